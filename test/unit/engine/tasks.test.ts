import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TaskStateEvent } from "../../../engine/events.js";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { startProcess } from "../../../engine/launch/supervisor.js";
import type { ExitRecord, Launcher, RunningProcess } from "../../../engine/platform/types.js";
import { type TaskExecutor, TaskRunner } from "../../../engine/run/tasks.js";
import { ResourcePool } from "../../../engine/scheduler/pool.js";
import { expandTasks } from "../../../engine/workload/expand.js";
import { workloadSchema } from "../../../engine/workload/schema.js";
import { tempDir } from "../../helpers/tmp.js";

const node = { name: "n1", cores: [0, 1, 2, 3, 4, 5, 6, 7], gpus: [0, 1, 2, 3] };

/** Runs each task in this process: it ends on the next turn of the event loop. */
const inProcess: TaskExecutor = (unit) => {
  const exited = new Promise<ExitRecord>((resolve) =>
    setImmediate(() =>
      resolve({
        exitCode: unit.index % 1000 === 999 ? 1 : 0,
        signal: null,
        timedOut: false,
        canceled: false,
        failed: unit.index % 1000 === 999,
        durationMs: 0,
      }),
    ),
  );
  const process: RunningProcess = { id: unit.id, pid: undefined, node: "n1", exited, stop: () => exited };
  return process;
};

function runner(tasks: unknown[], options: { available?: boolean; executor?: TaskExecutor; launcher?: Launcher } = {}) {
  const workload = workloadSchema.parse({ version: 1, tasks });
  const events: TaskStateEvent[] = [];
  const dir = tempDir();
  const tasksRunner = new TaskRunner({
    units: expandTasks(workload),
    pool: new ResourcePool([node]),
    launcher: options.launcher ?? {
      start: () => {
        throw new Error("not used");
      },
      hostOf: () => "127.0.0.1",
    },
    services: {
      available: () => options.available ?? true,
      lost: () => false,
      urls: () => ["http://a:1", "http://b:2"],
    },
    logPaths: (id) => ({ stdout: join(dir, `${id}.out`), stderr: join(dir, `${id}.err`) }),
    emit: (event) => events.push(event),
    ...(options.executor ? { executorFor: () => options.executor } : {}),
  });
  return { tasksRunner, events, dir };
}

describe("TaskRunner", () => {
  it("drains 10,000 queued tasks through 4 GPUs, never holding more than there is", async () => {
    const { tasksRunner, events } = runner([{ name: "t", count: 10_000, gpus: 1, cores: 1, command: ["x"] }], {
      executor: inProcess,
    });
    tasksRunner.pump();
    await tasksRunner.done;
    expect(tasksRunner.counts()).toMatchObject({ done: 9_990, failed: 10, pending: 0, running: 0 });
    let held = 0;
    let peak = 0;
    for (const event of events) {
      if (event.state === "scheduled") held += 1;
      if (event.state === "done" || event.state === "failed") held -= 1;
      peak = Math.max(peak, held);
    }
    expect(peak).toBe(4);
    // One pending event per task while it waits for resources, not one per pass.
    expect(events.filter((e) => e.state === "pending")).toHaveLength(10_000 - 4);
  });

  it("lets smaller tasks past a big one that does not fit yet (first fit)", async () => {
    const { tasksRunner, events } = runner(
      [
        { name: "small", count: 3, gpus: 1, command: ["x"] },
        { name: "big", gpus: 4, command: ["x"] },
        { name: "tiny", cores: 1, command: ["x"] },
      ],
      { executor: inProcess },
    );
    tasksRunner.pump();
    await tasksRunner.done;
    const running = events.filter((e) => e.state === "running").map((e) => e.id);
    expect(running.slice(0, 4)).toEqual(["small.0", "small.1", "small.2", "tiny"]);
    expect(running.at(-1)).toBe("big");
  });

  it("holds tasks while their services are not available, saying so", () => {
    const { tasksRunner, events } = runner([{ name: "client", uses: ["web"], command: ["x"] }], {
      available: false,
      executor: inProcess,
    });
    tasksRunner.pump();
    tasksRunner.pump();
    expect(events).toEqual([
      { type: "task:state", task: "client", id: "client", state: "pending", waiting_for: { services: ["web"] } },
    ]);
  });

  it("cancels pending and running tasks", async () => {
    const { tasksRunner, events } = runner([{ name: "t", count: 6, gpus: 1, command: ["x"] }], {
      executor: (unit) => {
        let finish: (record: ExitRecord) => void = () => {};
        const exited = new Promise<ExitRecord>((resolve) => {
          finish = resolve;
        });
        const stop = () => {
          finish({ exitCode: null, signal: "SIGTERM", timedOut: false, canceled: true, failed: true, durationMs: 1 });
          return exited;
        };
        return { id: unit.id, pid: undefined, node: "n1", exited, stop };
      },
    });
    tasksRunner.pump();
    await tasksRunner.cancelAll("stopping");
    await tasksRunner.done;
    expect(tasksRunner.counts()).toMatchObject({ canceled: 6 });
    expect(events.filter((e) => e.state === "canceled" && e.error === "stopping")).toHaveLength(2);
  });

  it("fills {port}, {item}, {instance} and {gpu_ids} and passes the service URLs to a real process", async () => {
    const registry = new ProcessRegistry();
    const launcher: Launcher = {
      start: (spec) => startProcess(spec, { registry, node: "n1" }),
      hostOf: () => "127.0.0.1",
    };
    const { tasksRunner, dir } = runner(
      [
        {
          name: "p",
          for_each: ["x"],
          gpus: 2,
          uses: ["web"],
          command: [
            "sh",
            "-c",
            "echo port={port} item={item} i={instance} gpus={gpu_ids} id=$FLOTILLA_TASK_ID urls=$FLOTILLA_SERVICE_WEB_URLS",
          ],
        },
      ],
      { launcher },
    );
    tasksRunner.pump();
    await tasksRunner.done;
    expect(readFileSync(join(dir, "p.x.out"), "utf8")).toMatch(
      /^port=\d{2,5} item=x i=0 gpus=0,1 id=p\.x urls=http:\/\/a:1,http:\/\/b:2\n$/,
    );
  });
});
