import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { liveSession } from "../../bench/harness/tui-sessions.js";
import { renderDashboard } from "./harness.js";

afterEach(() => cleanup());

describe("dashboard of a session that takes submissions", () => {
  it("shows submitted tasks as they arrive, and a skipped one with the dependency that failed", () => {
    const log = liveSession();
    log.at(6_000).emit({
      type: "task:submitted",
      submission: 1,
      file: "submissions/1.yaml",
      source: "t.yaml",
      tasks: ["fit", "plot"],
    });
    log.at(6_001).emit({ type: "task:state", task: "fit", id: "fit", state: "failed", exit_code: 2 });
    log
      .at(6_002)
      .emit({ type: "task:state", task: "plot", id: "plot", state: "skipped", error: "dependency fit failed" });
    const frame = renderDashboard(log.events, { size: { columns: 100, rows: 40 } }).lastFrame() ?? "";
    expect(frame).toContain("↷ skipped 1");
    expect(frame).toContain("task plot skipped: dependency fit failed");
  });
});
