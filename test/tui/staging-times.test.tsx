/** @jsxRuntime automatic */
import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { liveSession } from "../../bench/harness/tui-sessions.js";
import { replay } from "../../engine/state.js";
import { FinishedLog } from "../../tui/components/FinishedLog.js";
import { renderDashboard } from "./harness.js";

afterEach(() => cleanup());

describe("staging times in the dashboard", () => {
  it("shows a running task's stage-in time and a finished task's stage-in and stage-out times", () => {
    const log = liveSession();
    const at = { node: "laptop", cores: [6], gpus: [] };
    log.at(6_000).emit({ type: "task:state", task: "sim", id: "sim.a", state: "scheduled", ...at });
    log
      .at(6_040)
      .emit({ type: "task:state", task: "sim", id: "sim.a", state: "running", ...at, pid: 9, stage_in_ms: 38 });
    const running = renderDashboard(log.events, { size: { columns: 120, rows: 40 } }).lastFrame() ?? "";
    expect(running).toMatch(/sim\.a .* staged in 38ms/);
    cleanup();
    log.at(7_000).emit({
      type: "task:state",
      task: "sim",
      id: "sim.a",
      state: "failed",
      exit_code: 3,
      signal: null,
      duration_ms: 950,
      stage_out_ms: 1_250,
    });
    // The store keeps the stage-in time from `running` beside the stage-out time of the end.
    const task = replay(log.events).tasks["sim.a"];
    expect(task).toMatchObject({ stage_in_ms: 38, stage_out_ms: 1_250 });
    const finished = render(<FinishedLog tasks={task === undefined ? [] : [task]} />);
    expect(finished.lastFrame()).toMatch(/sim\.a {2}on laptop {2}exit 3 {2}950ms {2}staged in 38ms out 1\.3s/);
  });
});
