/**
 * The session record of a run: events.jsonl (every event, the same lines as
 * --json), the log paths of every instance and task, and summary.json
 * written once at the end (engine/session has the formats).
 *
 * A write error anywhere in the session directory is reported through
 * write-errors.ts and ends the run (the engine listens). To still end the
 * record with its outcome on a full disk, a small reserve file is written at
 * the start and removed just before summary.json and session:end.
 */
import { join } from "node:path";
import type { EventBus } from "../bus.js";
import { RESERVE_FILE } from "../session/death-record.js";
import { EventsFileSink } from "../session/events-sink.js";
import type { SessionDir } from "../session/session-dir.js";
import { buildSummary, writeSummary } from "../session/summary.js";
import { reportWriteFailure } from "../session/write-errors.js";
import type { SessionState } from "../state.js";
import { removeReserve, writeReserve } from "./reserve.js";

export interface SessionRecord {
  logPaths(id: string): { stdout: string; stderr: string };
  /**
   * Before session:end: writes out buffered events and frees the reserve, so
   * that what follows has room. Call once teardown is over.
   */
  prepareEnd(): void;
  /** Writes summary.json from the state as it will be after session:end; false (reported) on an error. */
  writeSummary(final: SessionState): boolean;
  /** Stops recording and closes events.jsonl. */
  close(): Promise<void>;
}

export function openSessionRecord(session: SessionDir, bus: EventBus): SessionRecord {
  const events = new EventsFileSink(session.eventsPath);
  const unsubscribe = bus.subscribe(events.write);
  const reserve = join(session.path, RESERVE_FILE);
  writeReserve(reserve);
  let closed = false;
  return {
    logPaths: session.logPaths,
    prepareEnd() {
      events.flushSync();
      removeReserve(reserve);
    },
    writeSummary(final) {
      try {
        writeSummary(session.path, final);
        return true;
      } catch (error) {
        reportWriteFailure(session.summaryPath, error);
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      await events.close();
      removeReserve(reserve);
    },
  };
}

/** summary.json's content for a folded session (same as engine/session buildSummary). */
export const summarize = buildSummary;
