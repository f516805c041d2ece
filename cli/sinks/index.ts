import { keepRunningWhenReaderLeaves } from "./closed-reader.js";
import { dashboardSink } from "./dashboard.js";
import { ndjsonSink } from "./ndjson.js";
import { textSink } from "./text.js";
import type { Sink } from "./types.js";

export type { RunControl, Sink } from "./types.js";

export interface SinkChoice {
  /** --json: NDJSON events on stdout, nothing else. */
  json: boolean;
  stdout: NodeJS.WriteStream;
}

/**
 * Picks how a run is shown, once. --json → NDJSON; otherwise human-readable
 * lines. A terminal (stdout.isTTY) is where the dashboard belongs: load it
 * here with a dynamic import so batch runs never pay for Ink and React.
 */
export async function chooseSink(choice: SinkChoice): Promise<Sink> {
  keepRunningWhenReaderLeaves(choice.stdout, process.stderr);
  if (choice.json) return ndjsonSink(choice.stdout);
  if (choice.stdout.isTTY) return dashboardSink(choice.stdout);
  return textSink(choice.stdout);
}
