import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/** Absolute path of a fixture executable in test/fixtures/bin. */
export function fixture(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "bin", name);
}

interface Stat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid, pgrp] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, state: state ?? "?", ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

function allStats(): Stat[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => stat(Number(entry)))
    .filter((s): s is Stat => s !== undefined);
}

/** True while the process exists and is not a zombie (a zombie is dead, just not reaped). */
export function isAlive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}

/** Live descendants of `pid` (children, grandchildren, …), from /proc. */
export function descendantsOf(pid: number): number[] {
  const stats = allStats().filter((s) => s.state !== "Z" && s.state !== "X");
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const s of stats) {
      if (s.ppid === parent && !found.includes(s.pid)) {
        found.push(s.pid);
        queue.push(s.pid);
      }
    }
  }
  return found;
}

/** Live members of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  return allStats()
    .filter((s) => s.pgrp === pgid && s.state !== "Z" && s.state !== "X")
    .map((s) => s.pid);
}

/** Polls `condition` until it holds; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  {
    timeoutMs = 10_000,
    intervalMs = 25,
    what = "condition",
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function liveStats(): Stat[] {
  return allStats().filter((s) => s.state !== "Z" && s.state !== "X");
}

/** Live processes whose command line contains `text` (e.g. a temp dir only one test uses). */
export function processesMatching(text: string): number[] {
  return liveStats()
    .filter((s) => {
      try {
        return readFileSync(`/proc/${s.pid}/cmdline`, "utf8").split("\0").join(" ").includes(text);
      } catch {
        return false;
      }
    })
    .map((s) => s.pid);
}

/**
 * Live processes that carry `name=value` in their environment. Start the
 * program under test with a unique marker (e.g. FLOTILLA_TEST_MARK=<random>):
 * everything it starts inherits it, so survivors are found even after they were
 * reparented or left their process group.
 */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  return liveStats()
    .filter((s) => {
      try {
        return readFileSync(`/proc/${s.pid}/environ`, "utf8").split("\0").includes(needle);
      } catch {
        return false;
      }
    })
    .map((s) => s.pid);
}
