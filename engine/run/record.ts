/**
 * The session record of a run: events.jsonl (every event, the same lines as
 * --json), the log paths of every instance and task, and summary.json
 * written once at the end (engine/session has the formats).
 */
import type { EventBus } from "../bus.js";
import { EventsFileSink } from "../session/events-sink.js";
import type { SessionDir } from "../session/session-dir.js";
import { buildSummary, writeSummary } from "../session/summary.js";
import type { SessionState } from "../state.js";

export interface SessionRecord {
  logPaths(id: string): { stdout: string; stderr: string };
  /** Stops recording, closes events.jsonl and writes summary.json from `snapshot`. */
  close(snapshot: SessionState): Promise<void>;
}

export function openSessionRecord(session: SessionDir, bus: EventBus): SessionRecord {
  const events = new EventsFileSink(session.eventsPath);
  const unsubscribe = bus.subscribe(events.write);
  let closed = false;
  return {
    logPaths: session.logPaths,
    async close(snapshot) {
      if (closed) return;
      closed = true;
      unsubscribe();
      await events.close();
      writeSummary(session.path, snapshot);
    },
  };
}

/** summary.json's content for a folded session (same as engine/session buildSummary). */
export const summarize = buildSummary;
