import { readdirSync } from "node:fs";
import { readStat } from "../launch/process-group.js";

/**
 * The recorded groups plus every group a descendant of theirs leads (a
 * service host's backend runs in a group of its own). Read from /proc in one
 * pass, before any signal: once members die, their children are reparented
 * and the family can no longer be traced.
 */
export function groupsToStop(recorded: Iterable<number>): number[] {
  const groups = new Set(recorded);
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [...groups];
  }
  const stats = entries
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat) => stat !== undefined && stat.state !== "Z" && stat.state !== "X");
  const children = new Map<number, number[]>();
  for (const stat of stats) {
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
  }
  const pgrpOf = new Map(stats.map((stat) => [stat?.pid ?? 0, stat?.pgrp ?? 0]));
  const queue = stats.filter((stat) => stat !== undefined && groups.has(stat.pgrp)).map((stat) => stat?.pid ?? 0);
  const seen = new Set(queue);
  // Bounded by the number of processes: each pid enters the queue once.
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
      const pgrp = pgrpOf.get(child);
      if (pgrp !== undefined && pgrp > 1) groups.add(pgrp);
    }
  }
  return [...groups];
}
