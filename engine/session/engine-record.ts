/**
 * Evidence of whether a session's engine is still alive, for readers on any
 * host (`flotilla show`, `watch`):
 *   engine.json  pid, host and process start time of the engine (and its reaper)
 *   heartbeat    touched every few seconds while the engine runs
 * On the engine's host a pid whose start time no longer matches is dead (a
 * reused pid is someone else); elsewhere a stale heartbeat is the only sign.
 */
import { closeSync, openSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const ENGINE_FILE = "engine.json";
export const HEARTBEAT_FILE = "heartbeat";
export const HEARTBEAT_MS = 2_000;
/** A heartbeat older than this means the engine is gone (several missed beats: a loaded node can be slow). */
export const HEARTBEAT_STALE_MS = 30_000;

export interface EngineRecord {
  pid: number;
  host: string;
  /** Field 22 of /proc/PID/stat (clock ticks since boot); tells a reused pid apart. */
  start_time: string | null;
  started_at: number;
  reaper_pid?: number;
  reaper_start_time?: string | null;
}

/** The start time of a process (/proc/PID/stat field 22), or null where /proc cannot tell. */
export function processStartTime(pid: number | "self"): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // Fields after the command start at field 3 (state), so field 22 is index 19.
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function writeEngineRecord(sessionDir: string, record: EngineRecord): void {
  writeFileSync(join(sessionDir, ENGINE_FILE), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

export function engineRecordFor(pid: number, reaperPid: number | undefined, now: number): EngineRecord {
  return {
    pid,
    host: hostname(),
    start_time: processStartTime("self"),
    started_at: now,
    ...(reaperPid === undefined ? {} : { reaper_pid: reaperPid, reaper_start_time: processStartTime(reaperPid) }),
  };
}

/** Touches the heartbeat file now and every HEARTBEAT_MS; never keeps the process alive. Returns stop. */
export function startHeartbeat(sessionDir: string, intervalMs = HEARTBEAT_MS): () => void {
  const path = join(sessionDir, HEARTBEAT_FILE);
  closeSync(openSync(path, "a", 0o600));
  const beat = () => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // A full or vanished disk is reported elsewhere; readers then see a stale beat.
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function readEngineRecord(sessionDir: string): EngineRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(join(sessionDir, ENGINE_FILE), "utf8")) as EngineRecord;
    return typeof value.pid === "number" && typeof value.host === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

export type EngineLiveness =
  | { state: "alive" }
  /** No engine.json (an older session, or one still starting): nothing can be said. */
  | { state: "unknown" }
  /** `at`: the last sign of life (the heartbeat's time), ms since the epoch. */
  | { state: "dead"; at: number; pid: number; host: string };

/** Is the pid alive and the same process that wrote the record? */
function sameProcessAlive(pid: number, startTime: string | null): boolean {
  const now = processStartTime(pid);
  if (now === null) return false;
  if (startTime !== null && now !== startTime) return false;
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8");
    const code = state.slice(state.lastIndexOf(")") + 2, state.lastIndexOf(")") + 3);
    return code !== "Z" && code !== "X";
  } catch {
    return false;
  }
}

export function engineLiveness(sessionDir: string, now = Date.now()): EngineLiveness {
  const record = readEngineRecord(sessionDir);
  if (record === undefined) return { state: "unknown" };
  let beat: number | undefined;
  try {
    beat = statSync(join(sessionDir, HEARTBEAT_FILE)).mtimeMs;
  } catch {
    beat = undefined;
  }
  const lastSign = beat ?? record.started_at;
  const dead = { state: "dead" as const, at: Math.round(lastSign), pid: record.pid, host: record.host };
  if (record.host === hostname()) return sameProcessAlive(record.pid, record.start_time) ? { state: "alive" } : dead;
  return now - lastSign > HEARTBEAT_STALE_MS ? dead : { state: "alive" };
}

/** Whether the session's reaper may still be writing its final record (same host only). */
export function reaperRunning(sessionDir: string): boolean {
  const record = readEngineRecord(sessionDir);
  if (record?.reaper_pid === undefined || record.host !== hostname()) return false;
  return sameProcessAlive(record.reaper_pid, record.reaper_start_time ?? null);
}
