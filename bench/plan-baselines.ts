/**
 * The baselines bench/plan.ts measures ResourcePool against: the same
 * first-fit placements (the lowest-numbered node that fits, ids taken from
 * the front), found two ways. Each returns how many requests it placed and
 * a signature of where, so the benchmark can check that both chose alike.
 */
import type { NodeResources } from "../engine/platform/types.js";
import type { ResourceRequest } from "../engine/resources.js";

export interface Placed {
  placed: number;
  /** A hash of the node chosen for every rank, in order. */
  signature: number;
}

interface FreeNode {
  cores: number[];
  gpus: number[];
}

/** Ranks of `request` that still fit on `node` (one at most without MPI ranks). */
function ranksThatFit(node: FreeNode, request: ResourceRequest, wanted: number): number {
  let cores = node.cores.length;
  let gpus = node.gpus.length;
  let fit = 0;
  while (fit < wanted && cores >= request.cores && gpus >= request.gpus) {
    fit++;
    cores -= request.cores;
    gpus -= request.gpus;
  }
  return request.ranks === undefined ? Math.min(fit, 1) : fit;
}

/** Takes the ids for `plan` (a node index per rank) and folds it into the signature. */
function commit(free: FreeNode[], plan: number[], request: ResourceRequest, signature: number): number {
  let hash = signature;
  for (const i of plan) {
    const node = free[i]!;
    node.cores.splice(0, request.cores);
    node.gpus.splice(0, request.gpus);
    hash = (Math.imul(hash, 31) + i + 1) | 0;
  }
  return hash;
}

const copy = (nodes: readonly NodeResources[]): FreeNode[] =>
  nodes.map((n) => ({ cores: [...n.cores], gpus: [...n.gpus] }));

/** Deliberately naive: scans every node from the first for each request. */
export function naivePlace(nodes: readonly NodeResources[], requests: readonly ResourceRequest[]): Placed {
  const free = copy(nodes);
  let placed = 0;
  let signature = 0;
  for (const request of requests) {
    const ranks = request.ranks ?? 1;
    const plan: number[] = [];
    for (let i = 0; i < free.length && plan.length < ranks; i++) {
      const fit = ranksThatFit(free[i]!, request, ranks - plan.length);
      for (let k = 0; k < fit; k++) plan.push(i);
      if (request.ranks === undefined && plan.length === 1) break;
    }
    if (plan.length < ranks) continue;
    signature = commit(free, plan, request, signature);
    placed++;
  }
  return { placed, signature };
}

/**
 * First-fit over a free-capacity index: a segment tree holding, per range of
 * nodes, the most free cores and the most free GPUs of any node in it, so the
 * lowest node that fits is found by descending only into ranges that might
 * hold one (the textbook O(log n) first-fit), instead of scanning from node 0.
 */
class FreeIndex {
  private readonly size: number;
  private readonly cores: Int32Array;
  private readonly gpus: Int32Array;

  constructor(free: readonly FreeNode[]) {
    this.size = 1 << Math.ceil(Math.log2(Math.max(1, free.length)));
    this.cores = new Int32Array(2 * this.size).fill(-1);
    this.gpus = new Int32Array(2 * this.size).fill(-1);
    free.forEach((node, i) => {
      this.cores[this.size + i] = node.cores.length;
      this.gpus[this.size + i] = node.gpus.length;
    });
    for (let n = this.size - 1; n >= 1; n--) this.pull(n);
  }

  update(i: number, node: FreeNode): void {
    let n = this.size + i;
    this.cores[n] = node.cores.length;
    this.gpus[n] = node.gpus.length;
    for (n >>= 1; n >= 1; n >>= 1) this.pull(n);
  }

  /** The lowest node index ≥ `from` with `cores` and `gpus` free, or -1. */
  firstFit(from: number, cores: number, gpus: number): number {
    return this.descend(1, 0, this.size - 1, from, cores, gpus);
  }

  private descend(n: number, lo: number, hi: number, from: number, cores: number, gpus: number): number {
    if (hi < from || this.cores[n]! < cores || this.gpus[n]! < gpus) return -1;
    if (lo === hi) return lo;
    const mid = (lo + hi) >> 1;
    const left = this.descend(2 * n, lo, mid, from, cores, gpus);
    return left >= 0 ? left : this.descend(2 * n + 1, mid + 1, hi, from, cores, gpus);
  }

  private pull(n: number): void {
    this.cores[n] = Math.max(this.cores[2 * n]!, this.cores[2 * n + 1]!);
    this.gpus[n] = Math.max(this.gpus[2 * n]!, this.gpus[2 * n + 1]!);
  }
}

/** The same placements as naivePlace, each found through the FreeIndex. */
export function indexedPlace(nodes: readonly NodeResources[], requests: readonly ResourceRequest[]): Placed {
  const free = copy(nodes);
  const index = new FreeIndex(free);
  let placed = 0;
  let signature = 0;
  for (const request of requests) {
    const ranks = request.ranks ?? 1;
    const plan: number[] = [];
    for (let i = index.firstFit(0, request.cores, request.gpus); i >= 0 && plan.length < ranks; ) {
      const fit = ranksThatFit(free[i]!, request, ranks - plan.length);
      for (let k = 0; k < fit; k++) plan.push(i);
      if (request.ranks === undefined) break;
      i = index.firstFit(i + 1, request.cores, request.gpus);
    }
    if (plan.length < ranks) continue;
    signature = commit(free, plan, request, signature);
    for (const i of new Set(plan)) index.update(i, free[i]!);
    placed++;
  }
  return { placed, signature };
}
