/** One events.jsonl line → EngineEvent, with errors that name the file and line. */

import { FlotillaError } from "../../engine/errors.js";
import type { EngineEvent } from "../../engine/events.js";

export function parseEventLine(line: string, file: string, lineNumber: number): EngineEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (cause) {
    throw new FlotillaError("PROTOCOL", `${file}:${lineNumber}: not a JSON event line`, {
      cause,
      context: { file, line: lineNumber },
    });
  }
  const record = value as Partial<EngineEvent> | null;
  if (
    typeof record !== "object" ||
    record === null ||
    typeof record.type !== "string" ||
    typeof record.seq !== "number" ||
    typeof record.ts !== "number"
  ) {
    throw new FlotillaError("PROTOCOL", `${file}:${lineNumber}: not an event (needs type, seq and ts)`, {
      context: { file, line: lineNumber },
    });
  }
  return record as EngineEvent;
}
