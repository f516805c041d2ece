/**
 * The end of a session whose engine died without writing one: a
 * `session:end` with `engine_died` appended to events.jsonl (next seq, so
 * the record stays gap-free) and summary.json folded from it. Written by the
 * reaper once the engine's processes are gone, so readers see a proper end.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../errors.js";
import { type EngineEvent, EVENT_VERSION, type SessionEndEvent } from "../events.js";
import { replay, serviceCounts, taskCounts } from "../state.js";
import { writeSummary } from "./summary.js";

export const EVENTS_FILE = "events.jsonl";
/** Room a running engine keeps in its session directory so a full disk still lets it end the record. */
export const RESERVE_FILE = ".space-reserve";

export function engineDiedReason(at: number, pid: number): string {
  return `engine died at ${new Date(at).toISOString()} (pid ${pid}); its processes were stopped`;
}

/**
 * Appends the session:end unless the record already has one. A last line cut
 * short by the kill is dropped first (it can never be completed). Returns the
 * event written, or undefined when there was nothing to do.
 */
export function recordEngineDeath(sessionDir: string, pid: number, at: number): EngineEvent | undefined {
  const path = join(sessionDir, EVENTS_FILE);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  // Byte offset just past the last complete line.
  const complete = bytes.lastIndexOf(0x0a) + 1;
  const events: EngineEvent[] = [];
  for (const line of bytes.subarray(0, complete).toString("utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      events.push(JSON.parse(line) as EngineEvent);
    } catch {
      // A line the engine could not finish; the fold works without it.
    }
  }
  if (events.at(-1)?.type === "session:end") return undefined;
  const state = replay(events);
  const started = events.find((event) => event.type === "session:start")?.ts ?? at;
  const body: Omit<SessionEndEvent, "type"> & { type: "session:end" } = {
    type: "session:end",
    exit_code: EXIT_CODES.engineDied,
    reason: engineDiedReason(at, pid),
    duration_ms: Math.max(0, at - started),
    tasks: taskCounts(state),
    services: serviceCounts(state),
    engine_died: { at, pid, host: hostname() },
  };
  const end = { v: EVENT_VERSION, seq: (events.at(-1)?.seq ?? 0) + 1, ts: at, ...body } as EngineEvent;
  // The dead engine's reserve is exactly the room this end record may need.
  rmSync(join(sessionDir, RESERVE_FILE), { force: true });
  const fd = openSync(path, "r+");
  try {
    if (complete < bytes.length) ftruncateSync(fd, complete);
    writeSync(fd, `${JSON.stringify(end)}\n`, complete);
  } finally {
    closeSync(fd);
  }
  writeSummary(sessionDir, replay([...events, end]));
  return end;
}
