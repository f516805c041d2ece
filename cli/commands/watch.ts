import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { type EngineEvent, FlotillaError } from "../../engine/index.js";
import { EVENTS_FILE } from "../../tui/session-paths.js";
import { tailEvents } from "../../tui/sources/tail-events.js";
import { EventFold } from "../../tui/store.js";
import { parseCount } from "../options.js";
import { deathOf, engineGone } from "./engine-death.js";

export interface WatchOptions {
  json?: boolean;
  interval?: string;
}

/**
 * A session directory must exist; its events.jsonl may not yet (the run is
 * starting). None named: FLOTILLA_SESSION_DIR, which every task of a run has.
 */
export async function sessionDirectory(named: string | undefined): Promise<string> {
  const dir = named ?? process.env.FLOTILLA_SESSION_DIR;
  if (dir === undefined || dir === "") {
    throw new FlotillaError("USAGE", "name a session directory (or set FLOTILLA_SESSION_DIR)");
  }
  const path = resolve(dir);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory())
    throw new FlotillaError("USAGE", `${dir} is not a session directory (no such directory)`, { context: { dir } });
  return path;
}

/**
 * `flotilla watch SESSION_DIR`: follows a session running elsewhere through
 * its events.jsonl, read-only. The dashboard on a terminal, NDJSON with
 * --json, the final frame when stdout is not a terminal. Exits when the
 * session ends, with the session's exit code; when its engine died without
 * an end record, says so and exits 137 instead of waiting forever.
 */
export async function watchCommand(dir: string | undefined, options: WatchOptions): Promise<void> {
  const path = await sessionDirectory(dir);
  const intervalMs = options.interval === undefined ? 200 : parseCount("--interval", options.interval, 10);
  const file = join(path, EVENTS_FILE);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let end: EngineEvent | undefined;
  try {
    if (options.json) {
      for await (const event of tailEvents(file, {
        intervalMs,
        signal: controller.signal,
        stopWhen: engineGone(path),
      })) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
        if (event.type === "session:end") end = event;
      }
    } else {
      end = await watchScreen(path, intervalMs, controller);
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  if (end?.type === "session:end") process.exitCode = end.exit_code;
  if (controller.signal.aborted) return;
  const death = deathOf(path, end?.type === "session:end" ? end : undefined);
  if (death !== undefined) {
    process.stderr.write(`flotilla: ${death.message}\n`);
    process.exitCode = death.exitCode;
  }
}

async function watchScreen(path: string, intervalMs: number, controller: AbortController) {
  const file = join(path, EVENTS_FILE);
  const fold = new EventFold();
  const follow = async () => {
    const options = { intervalMs, signal: controller.signal, stopWhen: engineGone(path) };
    for await (const event of tailEvents(file, options)) fold.push(event);
  };
  if (!process.stdout.isTTY) {
    await follow();
    const { renderFinalFrame } = await import("../../tui/index.js");
    const state = fold.getSnapshot();
    process.stdout.write(`${renderFinalFrame(state, { columns: 100, rows: 60, color: false })}\n`);
    return state.end && ({ type: "session:end", ...state.end } as EngineEvent);
  }
  const { startDashboard } = await import("../../tui/index.js");
  const screen = startDashboard(fold, { mode: "watch", onQuit: () => controller.abort() });
  const following = follow().finally(() => {
    // The record ended (or quit): the dashboard closes itself on session:end; make sure it does.
    if (!fold.getSnapshot().end) screen.unmount();
  });
  await Promise.all([screen.done, following]);
  const state = fold.getSnapshot();
  return state.end && ({ type: "session:end", ...state.end } as EngineEvent);
}

export function register(program: Command): void {
  program
    .command("watch")
    .description("attach read-only to a session running elsewhere (its directory) and follow it until it ends")
    .argument("[session_dir]", "the session directory (holds events.jsonl); default: $FLOTILLA_SESSION_DIR")
    .option("--json", "stream the session's events as NDJSON instead of the dashboard")
    .option("--interval <ms>", "how often to poll events.jsonl for new lines (default 200)")
    .action(watchCommand);
}
