import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { liveSession } from "../../bench/harness/tui-sessions.js";
import { frameWhere, press, renderDashboard } from "./harness.js";

afterEach(() => cleanup());

describe("the help overlay says what q does in each mode", () => {
  it("run: quitting tears the run down", async () => {
    const app = renderDashboard(liveSession().events, { mode: "run" });
    await press(app, "?");
    expect(await frameWhere(app, (f) => f.includes("Keys"))).toContain("tears down");
  });

  it("watch: quitting only stops watching", async () => {
    const app = renderDashboard(liveSession().events, { mode: "watch" });
    await press(app, "?");
    const help = await frameWhere(app, (f) => f.includes("Keys"));
    expect(help).toContain("stop watching (the session keeps running)");
    expect(help).not.toContain("tears down");
  });
});
