/**
 * `flotilla up --detach`: creates the session directory, starts the engine
 * as `flotilla up --attach --in-session DIR` in its own session (setsid: no
 * terminal hang-up reaches it) with its output in DIR/up.log, and waits on a
 * pipe for it to say the services are ready, or why the session ended.
 * Ctrl-C while waiting stops the session in order.
 */
import { spawn } from "node:child_process";
import { closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createSessionDir, EXIT_CODES, loadWorkload, openPrivate } from "../../engine/index.js";
import { selfCommand } from "../self.js";
import type { ReadyNote, UpOptions } from "./up-options.js";

export const UP_LOG = "up.log";

export async function startDetached(file: string, options: UpOptions): Promise<void> {
  const loaded = await loadWorkload(file);
  const session = createSessionDir({
    ...(options.sessionDir === undefined ? {} : { dir: options.sessionDir }),
    cwd: process.cwd(),
    workloadName: loaded.workload.name ?? "workload",
    workloadFile: loaded.file,
    now: new Date(),
  });
  const log = openPrivate(join(session.path, UP_LOG), "a");
  const [command, ...prefix] = selfCommand();
  const child = spawn(command as string, [...prefix, ...engineArgs(process.argv, session.path)], {
    cwd: process.cwd(),
    env: process.env,
    detached: true,
    stdio: ["ignore", log, log, "pipe"],
  });
  closeSync(log);
  const stop = () => {
    process.stderr.write("flotilla: stopping the session\n");
    child.kill("SIGTERM");
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Should it die without a word, whatever it started may hold the pipe open: its exit decides.
  const note = await Promise.race([
    readNote(child.stdio[3] as Readable),
    exited.then(() => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000))),
  ]);
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  if (note?.ready === true) {
    child.unref();
    const info = { session_dir: session.path, socket: note.socket, pid: child.pid };
    if (options.json) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      process.stdout.write(`${session.path}\n`);
      process.stderr.write(
        `flotilla: session up (pid ${child.pid}); submit with: flotilla submit TASKS.yaml; stop with: flotilla down\n`,
      );
    }
    return;
  }
  // It ended before its services were ready: its cause, or the end of its log.
  await exited;
  const reason = note?.reason ?? lastLines(join(session.path, UP_LOG));
  process.stderr.write(`flotilla: the session did not come up: ${reason}\nflotilla: see ${session.path}\n`);
  process.exitCode = note?.exit_code ?? child.exitCode ?? EXIT_CODES.startup;
}

/** The engine's arguments: this command's, without --detach and --session-dir, run in the foreground in `dir`. */
export function engineArgs(argv: readonly string[], dir: string): string[] {
  const at = argv.indexOf("up", 1);
  const words = argv.slice(at + 1);
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === "--detach" || word === "--attach" || word.startsWith("--session-dir=")) continue;
    if (word === "--session-dir") {
      i += 1;
      continue;
    }
    kept.push(word);
  }
  return ["up", ...kept, "--attach", "--in-session", dir, "--notify-fd", "3"];
}

/**
 * The first line on the pipe. Not its close: processes the engine started
 * before it was ready inherit the pipe and keep it open.
 */
function readNote(pipe: Readable): Promise<ReadyNote | undefined> {
  return new Promise((resolve) => {
    let text = "";
    const done = () => {
      pipe.destroy();
      try {
        resolve(JSON.parse(text.split("\n")[0] ?? "") as ReadyNote);
      } catch {
        resolve(undefined);
      }
    };
    pipe.setEncoding("utf8");
    pipe.on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("\n")) done();
    });
    pipe.on("error", () => {});
    pipe.on("close", done);
  });
}

function lastLines(path: string): string {
  try {
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    return lines.slice(-5).join("\n");
  } catch {
    return "it exited without saying why";
  }
}
