/**
 * Every process a bench command starts (runs, `serve` hosts, baseline
 * processes) in its own group, so a Ctrl-C stops them in order from here, and
 * an exit of any kind still kills whatever is left.
 */
import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();
let hooked = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Remembers `child` until it exits; returns the function that forgets it. */
export function track(child: ChildProcess): () => void {
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const c of live) killGroup(c, "SIGKILL");
    });
  }
  live.add(child);
  const forget = () => live.delete(child);
  child.once("exit", forget);
  return forget;
}

/** SIGTERM to `child`'s group, SIGKILL after `graceMs`; resolves when it is gone. */
export function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    killGroup(child, "SIGTERM");
  });
}
