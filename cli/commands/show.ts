import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { buildSummary, readEventsFile, replay, SUMMARY_FILE } from "../../engine/index.js";
import { colorEnabled } from "../../tui/no-color.js";
import { EVENTS_FILE } from "../../tui/session-paths.js";
import { parseCount } from "../options.js";
import { deathOf } from "./engine-death.js";
import { sessionDirectory } from "./watch.js";

/** Task rows a printed frame lists at most. */
const TASK_ROWS = 200;

export interface ShowOptions {
  json?: boolean;
  width?: string;
}

/**
 * `flotilla show SESSION_DIR`: the final state of a session as one
 * dashboard frame, or with --json its summary.json (folded from the events
 * when the session died before writing one). Exits 0, or with the session's
 * code (137) when its engine died, saying when on stderr.
 */
export async function showCommand(dir: string | undefined, options: ShowOptions): Promise<void> {
  const path = await sessionDirectory(dir);
  // A session whose engine died is reported, and exits non-zero, whatever the format.
  let death: ReturnType<typeof deathOf>;
  try {
    death = deathOf(path, replay(readEventsFile(join(path, EVENTS_FILE))).end);
  } catch {
    // No readable record: the paths below report that as before.
  }
  if (death !== undefined) {
    process.stderr.write(`flotilla: ${death.message}\n`);
    process.exitCode = death.exitCode;
  }
  if (options.json) {
    const summary = await readFile(join(path, SUMMARY_FILE), "utf8").catch(() => undefined);
    if (summary !== undefined) {
      process.stdout.write(summary.endsWith("\n") ? summary : `${summary}\n`);
      return;
    }
    const state = replay(readEventsFile(join(path, EVENTS_FILE)));
    process.stdout.write(`${JSON.stringify(buildSummary(state), null, 2)}\n`);
    return;
  }
  const state = replay(readEventsFile(join(path, EVENTS_FILE)));
  const columns =
    options.width === undefined
      ? Math.max(80, process.stdout.columns || 100)
      : parseCount("--width", options.width, 40);
  // Tall enough for every service, every task (running, queued and finished) and the last events:
  // `show` is a report, not a live screen. Past TASK_ROWS tasks the Tasks title counts the rest.
  const rows =
    12 + 2 * state.services.length + Math.min(state.taskOrder.length, TASK_ROWS) + Math.min(state.notable.length, 20);
  const { renderFinalFrame } = await import("../../tui/index.js");
  const color = process.stdout.isTTY === true && colorEnabled(process.env);
  process.stdout.write(`${renderFinalFrame(state, { columns, rows, color })}\n`);
}

export function register(program: Command): void {
  program
    .command("show")
    .description("print the final state of a session (its directory); --json prints its summary")
    .argument(
      "[session_dir]",
      "the session directory (holds events.jsonl and summary.json); default: $FLOTILLA_SESSION_DIR",
    )
    .option("--json", "print summary.json (or the summary folded from events.jsonl)")
    .option("--width <columns>", "width of the printed frame (default: the terminal's, at least 80)")
    .action(showCommand);
}
