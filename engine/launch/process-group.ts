import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Helpers for whole process groups. Every process Flotilla starts leads its own
 * group (spawned detached), so signalling `-pgid` reaches its children and
 * grandchildren too, unless one of them deliberately starts a new session.
 */

/** Sends `signal` to every member of the group. False when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * Whether any member of the group is still running. `kill(-pgid, 0)` alone is
 * not enough: it also succeeds for zombies, and an orphaned zombie may never be
 * reaped when PID 1 of a container does not reap. So a positive answer is
 * confirmed against /proc, counting only members that are not zombies.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  // Fast path: a running leader means a live group, no scan of /proc needed.
  const leader = readStat(pgid);
  if (leader !== undefined && leader.pgrp === pgid && leader.state !== "Z" && leader.state !== "X") return true;
  const members = liveGroupMembers(pgid);
  return members === undefined ? true : members.length > 0;
}

/** Pids of the group's non-zombie members, or undefined where /proc cannot be read. */
export function liveGroupMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") members.push(Number(entry));
  }
  return members;
}

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, ppid, pgrp] = fields;
  if (state === undefined || ppid === undefined || pgrp === undefined) return undefined;
  return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp) };
}

/** Polls until the group has no live members or `timeoutMs` passes. True when gone. */
export async function waitGroupGone(pgid: number, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(intervalMs, left));
    // Back off gently: a group that ignores SIGTERM is polled for the whole grace.
    intervalMs = Math.min(intervalMs * 2, 200);
  }
}

/**
 * SIGTERM the group, wait up to `graceMs` for it to empty, then SIGKILL what is
 * left and wait (bounded) for the kernel to finish. Resolves true when the group
 * is gone.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<boolean> {
  if (!groupAlive(pgid)) return true;
  signalGroup(pgid, "SIGTERM");
  if (await waitGroupGone(pgid, graceMs)) return true;
  signalGroup(pgid, "SIGKILL");
  return waitGroupGone(pgid, 5_000);
}
