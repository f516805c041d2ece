/**
 * `flotilla up WORKLOAD`: a session that stays up. Acquires the allocation,
 * starts the services (and runs the workload's tasks, if any), then takes
 * submissions on its control socket until `flotilla down`, the idle timeout
 * or the walltime. By default (--detach) the engine runs in the background,
 * in its own session, its output in <session>/up.log, and `up` returns once
 * the services are ready, printing the session directory; or exits with the
 * session's code and cause when they fail.
 */
import { closeSync, writeSync } from "node:fs";
import { type Command, Option } from "commander";
import { FlotillaError, loadWorkload, parseDuration } from "../../engine/index.js";
import { addAllocationOptions } from "../options.js";
import { runSession } from "../session-runner.js";
import { startDetached } from "./up-detach.js";
import type { ReadyNote, UpOptions } from "./up-options.js";

export type { ReadyNote, UpOptions } from "./up-options.js";

export async function upCommand(file: string, options: UpOptions): Promise<void> {
  if (options.attach && options.detach) throw new FlotillaError("USAGE", "give --attach or --detach, not both");
  const idleMs = options.idle === undefined ? undefined : parseIdle(options.idle);
  if (options.attach !== true && options.inSession === undefined) {
    // Problems with the file are reported here, at once, with exit code 2.
    await loadWorkload(file);
    await startDetached(file, options);
    return;
  }
  const notify = options.notifyFd === undefined ? undefined : Number(options.notifyFd);
  let told = false;
  const tell = (note: ReadyNote) => {
    if (told) return;
    told = true;
    if (notify === undefined) {
      if (note.ready) process.stderr.write(`flotilla: session ready; control socket ${note.socket}\n`);
      return;
    }
    try {
      writeSync(notify, `${JSON.stringify(note)}\n`);
      closeSync(notify);
    } catch {
      // `up` stopped listening (killed): nothing to tell.
    }
  };
  await runSession(file, options, {
    pilot: {
      env: process.env,
      ...(idleMs === undefined ? {} : { idleMs }),
      onReady: ({ socket }) => tell({ ready: true, socket }),
    },
    ...(options.inSession === undefined ? {} : { adopt: options.inSession }),
    onEnd: (code, state) => tell({ ready: false, exit_code: code, reason: state.end?.reason ?? "the session ended" }),
  });
}

function parseIdle(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new FlotillaError("USAGE", `--idle: not a duration: ${value} (try 30s, 30m)`);
  return ms;
}

export function register(program: Command): void {
  addAllocationOptions(
    program
      .command("up")
      .description("start a session that stays up: services ready, then submit tasks to it until flotilla down")
      .argument("<workload>", "workload file (YAML or JSON): its services, allocation and any first tasks")
      .option("--detach", "run in the background and return once the services are ready (the default)")
      .option("--attach", "stay in the foreground with the dashboard (or events) until the session ends")
      .option("--idle <duration>", "end the session after this long with no task pending or running (e.g. 30m)")
      .option("--front-host <address>", "address the OpenAI-compatible HTTP front listens on (default 127.0.0.1)")
      .option("--insecure", "turns authentication off: the HTTP front takes requests without a token")
      .addOption(new Option("--in-session <dir>").hideHelp())
      .addOption(new Option("--notify-fd <fd>").hideHelp()),
  ).action(upCommand);
}
