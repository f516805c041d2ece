/**
 * The session record: events.jsonl (every event, one JSON object a line, the
 * same bytes as --json), the log file paths of every instance and task, and
 * summary.json written once at the end.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { EventBus } from "../bus.js";
import type { SessionState } from "../state.js";

export interface SessionRecord {
  readonly dir: string;
  logPaths(id: string): { stdout: string; stderr: string };
  /** Stops recording, closes events.jsonl and writes summary.json from `snapshot`. */
  close(snapshot: SessionState): Promise<void>;
}

export function openSessionRecord(dir: string, bus: EventBus): SessionRecord {
  mkdirSync(join(dir, "logs"), { recursive: true });
  // Synchronous appends keep the file in seq order and complete up to the last
  // event even when the process dies right after.
  const fd = openSync(join(dir, "events.jsonl"), "a");
  const unsubscribe = bus.subscribe((event) => {
    writeSync(fd, `${JSON.stringify(event)}\n`);
  });
  let closed = false;
  return {
    dir,
    logPaths: (id) => ({ stdout: join(dir, "logs", `${id}.stdout`), stderr: join(dir, "logs", `${id}.stderr`) }),
    async close(snapshot) {
      if (closed) return;
      closed = true;
      unsubscribe();
      closeSync(fd);
      writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summarize(snapshot), null, 2)}\n`);
    },
  };
}

/** summary.json: the outcome, the allocation, every instance's bootstrap and every task's result. */
export function summarize(state: SessionState) {
  return {
    session_id: state.session?.session_id,
    workload: state.session?.workload,
    workload_file: state.session?.workload_file,
    platform: state.session?.platform,
    version: state.session?.version,
    started: state.session?.ts,
    ended: state.end?.ts,
    exit_code: state.end?.exit_code,
    reason: state.end?.reason,
    duration_ms: state.end?.duration_ms,
    counts: { tasks: state.end?.tasks, services: state.end?.services },
    allocation: state.allocation && {
      nodes: state.allocation.nodes,
      ...(state.allocation.job_id === undefined ? {} : { job_id: state.allocation.job_id }),
      ...(state.allocation.wait_ms === undefined ? {} : { wait_ms: state.allocation.wait_ms }),
    },
    services: state.services.flatMap((service) => service.instances.map(({ since: _since, ...instance }) => instance)),
    tasks: state.taskOrder.map((id) => {
      const { since: _since, waiting_for: _waiting, ...task } = state.tasks[id] ?? { id, since: 0 };
      return task;
    }),
  };
}
