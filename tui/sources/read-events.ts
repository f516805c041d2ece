/** Reads a whole events.jsonl (show): a torn last line from a crash is skipped, not fatal. */
import { readFile } from "node:fs/promises";
import { FlotillaError } from "../../engine/errors.js";
import type { EngineEvent } from "../../engine/events.js";
import { parseEventLine } from "./parse-event.js";

export async function readEvents(file: string): Promise<EngineEvent[]> {
  const text = await readFile(file, "utf8").catch((cause: NodeJS.ErrnoException) => {
    throw new FlotillaError(
      "USAGE",
      cause.code === "ENOENT" ? `${file} does not exist: not a session directory?` : `cannot read ${file}`,
      { cause, context: { file } },
    );
  });
  const lines = text.split("\n");
  // Without a trailing newline the last line may have been cut mid-write.
  const torn = text.endsWith("\n") ? undefined : lines.pop();
  const events: EngineEvent[] = [];
  lines.forEach((line, index) => {
    if (line.trim() !== "") events.push(parseEventLine(line, file, index + 1));
  });
  if (torn !== undefined && torn.trim() !== "") {
    try {
      events.push(parseEventLine(torn, file, lines.length + 1));
    } catch {
      // A partial record of a session that died mid-write: the rest still replays.
    }
  }
  return events;
}
