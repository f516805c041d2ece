import { EXIT_CODES, engineLiveness, reaperRunning, type SessionState } from "../../engine/index.js";
/**
 * How `show` and `watch` tell that a session's engine died: either the
 * reaper wrote a session:end with `engine_died`, or there is no end at all
 * and engine.json + heartbeat say the engine is gone (the reaper died too).
 */

export interface EngineDeath {
  message: string;
  exitCode: number;
}

export function deathOf(sessionDir: string, end: SessionState["end"]): EngineDeath | undefined {
  if (end !== undefined) {
    const died = end.engine_died;
    if (died === undefined) return undefined;
    return {
      message: `engine died at ${new Date(died.at).toISOString()} (pid ${died.pid} on ${died.host}); the session's processes were stopped`,
      exitCode: end.exit_code,
    };
  }
  const liveness = engineLiveness(sessionDir);
  if (liveness.state !== "dead") return undefined;
  return {
    message: `engine died at ${new Date(liveness.at).toISOString()} (last heartbeat; pid ${liveness.pid} on ${liveness.host}); the session has no end record`,
    exitCode: EXIT_CODES.engineDied,
  };
}

/** How long `watch` waits, once the engine is gone, for the reaper's end record. */
export const REAPER_WAIT_MS = 15_000;

/**
 * For tailEvents' `stopWhen`: true once the engine is dead and its reaper is
 * done (or has had REAPER_WAIT_MS). Checked at most once a second.
 */
export function engineGone(sessionDir: string): () => boolean {
  let noticed: number | undefined;
  let checked = 0;
  return () => {
    const now = Date.now();
    if (now - checked < 1_000) return false;
    checked = now;
    if (engineLiveness(sessionDir, now).state !== "dead") return false;
    noticed ??= now;
    return !reaperRunning(sessionDir) || now - noticed > REAPER_WAIT_MS;
  };
}
