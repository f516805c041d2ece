import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TaskStateEvent } from "../../../engine/events.js";
import type { ExitRecord, RunningProcess } from "../../../engine/platform/types.js";
import { type TaskExecutor, TaskRunner } from "../../../engine/run/tasks.js";
import { ResourcePool } from "../../../engine/scheduler/pool.js";
import { expandTasks } from "../../../engine/workload/expand.js";
import { workloadSchema } from "../../../engine/workload/schema.js";
import { tempDir } from "../../helpers/tmp.js";

/** Ends on the next turn; a task whose name starts with "bad" fails; "hold" runs until stopped. */
const inProcess: TaskExecutor = (unit) => {
  const failed = unit.task.startsWith("bad");
  let finish: (record: ExitRecord) => void = () => {};
  const exited = new Promise<ExitRecord>((resolve) => {
    finish = resolve;
  });
  const record = (canceled: boolean): ExitRecord => ({
    exitCode: canceled ? null : failed ? 1 : 0,
    signal: canceled ? "SIGTERM" : null,
    timedOut: false,
    canceled,
    failed: failed || canceled,
    durationMs: 0,
  });
  if (!unit.task.startsWith("hold")) setImmediate(() => finish(record(false)));
  const process: RunningProcess = {
    id: unit.id,
    pid: undefined,
    node: "n1",
    exited,
    stop: () => {
      finish(record(true));
      return exited;
    },
  };
  return process;
};

function runner(tasks: unknown[]) {
  const events: TaskStateEvent[] = [];
  const dir = tempDir();
  const tasksRunner = new TaskRunner({
    units: expandTasks(workloadSchema.parse({ version: 1, tasks })),
    pool: new ResourcePool([{ name: "n1", cores: [0, 1, 2, 3], gpus: [] }]),
    launcher: { start: () => Promise.reject(new Error("not used")) as never, hostOf: () => "127.0.0.1" },
    services: { available: () => true, lost: () => false, urls: () => [] },
    logPaths: (id) => ({ stdout: join(dir, `${id}.out`), stderr: join(dir, `${id}.err`) }),
    emit: (event) => events.push(event),
    executorFor: () => inProcess,
  });
  const states = (id: string) => events.filter((e) => e.id === id).map((e) => e.state);
  return { tasksRunner, events, states };
}

describe("TaskRunner with after:", () => {
  it("runs a task only after its dependencies are done, and skips the dependents of a failure", async () => {
    const { tasksRunner, events, states } = runner([
      // Listed before what it depends on: the order in the file does not matter.
      { name: "last", command: ["x"], after: ["mid"] },
      { name: "prep", count: 3, command: ["x"] },
      { name: "mid", command: ["x"], after: ["prep"] },
      { name: "bad", command: ["x"] },
      { name: "never", command: ["x"], after: ["bad", "prep.0"] },
      { name: "never2", command: ["x"], after: ["never"] },
    ]);
    tasksRunner.pump();
    await tasksRunner.done;
    expect(tasksRunner.counts()).toMatchObject({ done: 5, failed: 1, skipped: 2, pending: 0 });
    const order = events.filter((e) => e.state === "running").map((e) => e.id);
    expect(order.indexOf("mid")).toBeGreaterThan(
      Math.max(...["prep.0", "prep.1", "prep.2"].map((id) => order.indexOf(id))),
    );
    expect(order.indexOf("last")).toBeGreaterThan(order.indexOf("mid"));
    expect(events.find((e) => e.id === "mid" && e.state === "pending")?.waiting_for?.tasks).toEqual([
      "prep.0",
      "prep.1",
      "prep.2",
    ]);
    expect(events.find((e) => e.id === "never" && e.state === "skipped")?.error).toBe("dependency bad failed");
    expect(events.find((e) => e.id === "never2" && e.state === "skipped")?.error).toBe("dependency never skipped");
    expect(states("never2")).toEqual(["pending", "skipped"]);
  });

  it("adds tasks to a running queue, after earlier ones, and cancels pending and running tasks", async () => {
    const { tasksRunner, states } = runner([{ name: "hold", command: ["x"] }]);
    tasksRunner.pump();
    expect(states("hold")).toEqual(["scheduled", "running"]);
    const more = workloadSchema.parse({
      version: 1,
      tasks: [
        { name: "next", command: ["x"], after: ["hold"] },
        { name: "other", command: ["x"] },
      ],
    });
    tasksRunner.add(expandTasks(more));
    expect(tasksRunner.has("next")).toBe(true);
    expect(tasksRunner.active).toBe(3);
    expect(tasksRunner.cancel(["hold", "nope"], "canceled by the user")).toEqual(["hold"]);
    await tasksRunner.done;
    expect(states("hold").at(-1)).toBe("canceled");
    expect(states("next").at(-1)).toBe("skipped");
    expect(states("other").at(-1)).toBe("done");
  });
});
