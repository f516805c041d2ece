/** Where a session directory keeps things the dashboard reads besides the events. */
import { join } from "node:path";

export const EVENTS_FILE = "events.jsonl";

/**
 * Candidate stderr files of an instance ("web.0"): the session record writes
 * `logs/<id>.err`; `.stderr` is accepted too. The first that exists is read.
 */
export function instanceStderrPaths(sessionDir: string, service: string, instance: number): string[] {
  const id = `${service}.${instance}`;
  return [join(sessionDir, "logs", `${id}.err`), join(sessionDir, "logs", `${id}.stderr`)];
}

/** The copy of the workload file the session ran. */
export function workloadCopyPath(sessionDir: string): string {
  return join(sessionDir, "workload.yaml");
}
