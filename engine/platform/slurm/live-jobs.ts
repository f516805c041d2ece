import { spawnSync } from "node:child_process";
import { announce } from "../../launch/reaper-messages.js";

/**
 * Holder jobs Flotilla submitted and has not yet seen gone, with the scancel
 * that can remove each. `cancelLiveJobsSync` is the last resort on process
 * exit (like killAllSync for process groups): a crash must not leave a job
 * holding nodes until its walltime runs out.
 */
const live = new Map<string, { scancel: string; env: Record<string, string | undefined> }>();

export function trackJob(id: string, scancel: string, env: Record<string, string | undefined>): void {
  live.set(id, { scancel, env });
  announce({ t: "job", id, scancel });
}

export function untrackJob(id: string): void {
  live.delete(id);
  announce({ t: "unjob", id });
}

export function liveJobs(): string[] {
  return [...live.keys()];
}

/** Cancels every tracked job synchronously (for `process.on("exit")`). Returns how many. */
export function cancelLiveJobsSync(): number {
  let cancelled = 0;
  for (const [id, { scancel, env }] of live) {
    const result = spawnSync(scancel, ["--quiet", id], { env: cleanEnv(env), stdio: "ignore", timeout: 10_000 });
    if (result.status === 0) cancelled += 1;
  }
  live.clear();
  return cancelled;
}

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
