/**
 * The engine's side of the reaper (reaper.ts): starts it detached, in its own
 * session and process group so a signal to the engine's group does not reach
 * it, with a pipe to its stdin that nothing else holds. Every announce()
 * (process groups, Slurm jobs and steps) is forwarded down the pipe; `end()`
 * says the session ended in order. Neither the child nor the pipe keeps
 * this process alive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { onAnnounce, type ReaperMessage } from "../launch/reaper-messages.js";
import { trackedGroups } from "../launch/registry.js";

export const REAPER_LOG = "reaper.log";

export interface ReaperLink {
  pid: number | undefined;
  /** The session ended in order: the reaper exits without stopping anything. */
  end(): void;
}

export interface StartReaperOptions {
  /** How to run this binary (selfCommand). */
  self: string[];
  sessionDir: string;
  env: Record<string, string | undefined>;
}

export function startReaper(options: StartReaperOptions): ReaperLink {
  const [file, ...prefix] = options.self;
  const logFd = openSync(join(options.sessionDir, REAPER_LOG), "a", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(
      file as string,
      [...prefix, "reaper", "--session-dir", options.sessionDir, "--engine-pid", String(process.pid)],
      { detached: true, stdio: ["pipe", "ignore", logFd], env: options.env },
    );
  } finally {
    closeSync(logFd);
  }
  const pipe = child.stdin as Socket | null;
  // A reaper that died early leaves a broken pipe: the run goes on without its net.
  pipe?.on("error", () => {});
  child.on("error", () => {});
  pipe?.unref();
  child.unref();
  let open = true;
  const send = (message: ReaperMessage): void => {
    if (open && pipe?.writable) pipe.write(`${JSON.stringify(message)}\n`);
  };
  for (const pgid of trackedGroups()) send({ t: "group", pgid });
  const unsubscribe = onAnnounce(send);
  return {
    pid: child.pid,
    end() {
      if (!open) return;
      send({ t: "end" });
      open = false;
      unsubscribe();
      pipe?.end();
    },
  };
}
