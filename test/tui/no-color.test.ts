/**
 * Colour on and off: chalk decides its colour level when first loaded, so
 * this file forces colour before loading Ink, and the dashboard alone must
 * then drop every colour when NO_COLOR asks it to.
 */
import { describe, expect, it } from "vitest";
import { colorEnabled } from "../../tui/no-color.js";

process.env.FORCE_COLOR = "3";
const { renderFinalFrame } = await import("../../tui/index.js");
const { replay } = await import("../../engine/state.js");
const { liveSession } = await import("../../bench/harness/tui-sessions.js");

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour escapes is the point
const COLOR = /\u001B\[(3\d|9\d)m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
const ANSI = /\u001B\[[0-9;]*m/g;

describe("NO_COLOR", () => {
  it("is on for any non-empty value", () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: "" })).toBe(true);
    expect(colorEnabled({ NO_COLOR: "1" })).toBe(false);
  });

  it("renders with colour normally and without any colour code under NO_COLOR, same text", () => {
    const state = replay(liveSession().events);
    const colored = renderFinalFrame(state, { columns: 80, rows: 24, color: true });
    const plain = renderFinalFrame(state, { columns: 80, rows: 24, color: false });
    expect(colored).toMatch(COLOR);
    expect(plain).not.toMatch(COLOR);
    const strip = (text: string) =>
      text
        .replace(ANSI, "")
        .split("\n")
        .map((line) => line.trimEnd())
        .join("\n");
    expect(strip(colored)).toBe(strip(plain));
    expect(plain).toContain("●●");
  });
});
