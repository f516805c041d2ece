/**
 * Tasks before scale-up (docs/workload.md, "autoscale"): compute tasks and
 * service instances share one pool, so an autoscaler that took every core
 * or GPU that came free could keep a waiting task from ever starting. The
 * rule: a scale-up takes nothing while some task waiting for resources
 * would fit in what is free plus what autoscaled instances above their
 * `min` hold. Such a task then starts as soon as the load falls and those
 * instances are drained, or at once when what is free already fits it.
 */
import type { ResourceRequest } from "../../resources.js";

export interface NodeRoom {
  name: string;
  freeCores: number;
  freeGpus: number;
}

/** Free room per node, plus what the `borrowed` placements hold there. */
export function roomWith(
  nodes: readonly NodeRoom[],
  borrowed: ReadonlyArray<{
    slots: ReadonlyArray<{ node: string; cores: readonly number[]; gpus: readonly number[] }>;
  }>,
): NodeRoom[] {
  const room = new Map(nodes.map((node) => [node.name, { ...node }]));
  for (const placement of borrowed) {
    for (const slot of placement.slots) {
      const node = room.get(slot.node);
      if (node === undefined) continue;
      node.freeCores += slot.cores.length;
      node.freeGpus += slot.gpus.length;
    }
  }
  return [...room.values()];
}

function copies(room: NodeRoom, cores: number, gpus: number): number {
  const byCores = cores === 0 ? Number.POSITIVE_INFINITY : Math.floor(room.freeCores / cores);
  const byGpus = gpus === 0 ? Number.POSITIVE_INFINITY : Math.floor(room.freeGpus / gpus);
  return Math.min(byCores, byGpus);
}

/** Whether `request` fits in `room` (one node for a process; MPI ranks may span nodes). */
export function fitsIn(room: readonly NodeRoom[], request: ResourceRequest): boolean {
  if (request.ranks === undefined) return room.some((node) => copies(node, request.cores, request.gpus) >= 1);
  let left = request.ranks;
  for (const node of room) {
    left -= Math.min(left, copies(node, request.cores, request.gpus));
    if (left === 0) return true;
  }
  return false;
}

/** The first waiting request that would fit in `room`, if any. */
export function waitingThatFits(
  room: readonly NodeRoom[],
  waiting: readonly ResourceRequest[],
): ResourceRequest | undefined {
  return waiting.find((request) => fitsIn(room, request));
}
