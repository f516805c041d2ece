/** Inference task progress: folded from metrics events, drawn as a bar on the running task's row, and in text mode. */
import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { EventLog, T0 } from "../../bench/harness/tui-sessions.js";
import { progressLines } from "../../cli/sinks/text-progress.js";
import type { MetricsEvent } from "../../engine/events.js";
import { replay } from "../../engine/state.js";
import { lines, renderDashboard } from "./harness.js";

afterEach(() => cleanup());

function session(progress: NonNullable<MetricsEvent["tasks"]>) {
  const log = new EventLog();
  log.emit({
    type: "session:start",
    session_id: "20260115-093000-ab12",
    workload: "demo",
    workload_file: "demo.yaml",
    platform: "local",
    session_dir: "/nonexistent/session",
    version: "0.1.0",
    pid: 4242,
  });
  log
    .at(20)
    .emit({ type: "allocation:state", state: "active", platform: "local", nodes: [{ name: "n0", cores: 4, gpus: 0 }] });
  log
    .at(30)
    .emit({ type: "task:state", task: "prompts", id: "prompts", state: "running", node: "n0", cores: [1], gpus: [] });
  log.at(5_000).emit({ type: "metrics", final: false, services: [], tasks: progress });
  return log;
}

describe("inference task progress", () => {
  it("is folded into the running task from metrics events", () => {
    const state = replay(
      session([{ id: "prompts", service: "m", total: 400, done: 100, errors: 3, rate: 20, eta_ms: 15_000 }]).events,
    );
    expect(state.tasks.prompts?.requests).toEqual({ total: 400, done: 100, errors: 3, rate: 20, eta_ms: 15_000 });
  });

  it("draws a bar with done/total, errors, rate and ETA on the task's row", () => {
    const log = session([{ id: "prompts", service: "m", total: 400, done: 100, errors: 3, rate: 20, eta_ms: 15_000 }]);
    const frame = renderDashboard(log.events, { size: { columns: 140, rows: 30 } }).lastFrame() ?? "";
    const row = lines(frame).find((line) => line.includes("prompts") && line.includes("n0"));
    expect(row).toMatch(/(█+)(░+) 100\/400 3 err 20\.0 req\/s eta 15\.0s/);
    const [, filled, empty] = row?.match(/(█+)(░+)/) ?? [];
    expect(filled?.length).toBe(Math.round(((filled?.length ?? 0) + (empty?.length ?? 0)) / 4));
  });

  it("prints a line per task in text mode, at most every 10 s of event time", () => {
    const lineFor = progressLines();
    const metrics = (ms: number, done: number): MetricsEvent & { v: 1; seq: number; ts: number } => ({
      v: 1,
      seq: 1,
      ts: T0 + ms,
      type: "metrics",
      final: false,
      services: [],
      tasks: [{ id: "prompts", service: "m", total: 400, done, errors: 0, rate: 20, eta_ms: (400 - done) * 50 }],
    });
    expect(lineFor(metrics(1_000, 20))).toBe("task prompts: 20/400 requests, 0 errors, 20 req/s, about 19.0s left");
    expect(lineFor(metrics(2_000, 40))).toBeUndefined();
    expect(lineFor(metrics(11_000, 220))).toMatch(/^task prompts: 220\/400/);
  });
});
