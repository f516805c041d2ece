import { readFileSync } from "node:fs";
import { errorMessage, FlotillaError } from "../errors.js";
import type { EngineEvent } from "../events.js";

/**
 * Reads an events.jsonl file back. A last line cut short (the writer was killed
 * mid-write) is skipped; a malformed line anywhere else is an error naming it.
 */
export function readEventsFile(path: string): EngineEvent[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new FlotillaError("USAGE", `cannot read events file ${path}: ${errorMessage(error)}`, {
      cause: error,
      context: { path },
    });
  }
  const lines = text.split("\n");
  const events: EngineEvent[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    try {
      events.push(JSON.parse(line) as EngineEvent);
    } catch (error) {
      const isLast = index === lines.length - 1;
      if (isLast) break;
      throw new FlotillaError("USAGE", `${path}:${index + 1}: not a JSON event line`, {
        cause: error,
        context: { path, line: index + 1 },
      });
    }
  }
  return events;
}
