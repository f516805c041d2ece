/**
 * A session recorded from a real run (two NOOP services with emulated
 * inference time, two inference tasks, six compute tasks), folded at chosen
 * points with the shared reducer and rendered as the dashboard would.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { REPO } from "../helpers/cli.js";
import { frameWhere, lines, press, renderDashboard } from "./harness.js";

const events = readFileSync(join(REPO, "test", "tui", "fixtures", "screen-demo.events.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as EngineEvent);

/** The events up to the first one that satisfies `stop` (inclusive). */
function until(stop: (event: EngineEvent) => boolean): EngineEvent[] {
  const index = events.findIndex(stop);
  if (index === -1) throw new Error("the recording has no such event");
  return events.slice(0, index + 1);
}

afterEach(() => cleanup());

describe("a recorded run", () => {
  it("while services start: instances initializing, tasks waiting for them", () => {
    const frame =
      renderDashboard(
        until((e) => e.type === "service:state" && e.state === "initializing" && e.service === "embed"),
      ).lastFrame() ?? "";
    expect(frame).toMatch(/llm\s+0\/2\s+◑◑/);
    expect(frame).toMatch(/embed\s+0\/1\s+◑/);
    expect(frame).toContain("not ready yet");
  });

  it("under load: every service ready, request numbers from the metrics, latency and bootstrap bars", () => {
    const atMetrics = until(
      (e) => e.type === "metrics" && (e.services.find((s) => s.service === "llm")?.completed ?? 0) > 0,
    );
    const last = atMetrics.at(-1) as Extract<EngineEvent, { type: "metrics" }>;
    const llm = last.services.find((s) => s.service === "llm")!;
    const frame = renderDashboard(atMetrics).lastFrame() ?? "";
    expect(frame).toContain("Services 3/3 ready");
    const row = lines(frame).find((line) => line.includes("llm") && line.includes("2/2"));
    expect(row).toMatch(/llm\s+2\/2\s+●●\s+0-1/);
    expect(row).toContain(`${Math.round(llm.rate)}`);
    expect(row).toContain(`${llm.latency.total.p50.toFixed(1)}ms`);
    const bars = lines(frame).find((line) => line.startsWith("  llm") && line.includes("│"));
    expect(bars?.split("│")[0]).toMatch(/█+▓*░+/);
    expect(bars?.split("│")[1]).toMatch(/█+▓+░+ +\d/);
  });

  it("before the first llm request completes, its numbers are –, not zero", () => {
    const early = until((e) => e.type === "metrics" && e.services.length === 2);
    const frame = renderDashboard(early).lastFrame() ?? "";
    expect(frame).toMatch(/llm\s+1\/2\s+◑●\s+0-1\s+0\s+0\s+0\.0\s+–\s+–/);
  });

  it("at the end: released, every task done, exit ok; p switches the bars to p95", async () => {
    const app = renderDashboard(events, { mode: "show" });
    const frame = app.lastFrame() ?? "";
    expect(frame).toContain("released");
    expect(frame).toContain("ended: ok");
    expect(frame).toContain("✔ done 8");
    expect(frame).toMatch(/llm\s+0\/2\s+○○/);
    const live = renderDashboard(events.slice(0, -6));
    await press(live, "p");
    expect(await frameWhere(live, (f) => f.includes("Latency p95"))).toContain("Latency p95");
  });
});
