/**
 * The free cores and GPUs of an allocation, by id. Pure and synchronous.
 *
 * Placement is first-fit by node order, lowest ids first. Deterministic on
 * purpose: the same workload on the same allocation always lands the same
 * way, so `plan` shows exactly what `run` will do, and logs, tests and bug
 * reports can be compared run to run. Packing low nodes first also leaves
 * whole nodes free for wide requests (MPI, multi-GPU services) that come later.
 *
 * Speed: each request shape (cores, gpus) remembers the first node that may
 * still fit it. Placing only shrinks free capacity, so nodes before that
 * cursor stay unable to fit; a release moves cursors back to the released
 * node. A stream of requests therefore walks the node list about once per
 * shape instead of once per request.
 */
import { FlotillaError } from "../errors.js";
import type { NodeResources, Placement, ResourceRequest, Slot } from "../resources.js";
import { IdSet } from "./id-set.js";

interface NodeState {
  name: string;
  cores: IdSet;
  gpus: IdSet;
}

export interface NodeUsage {
  name: string;
  cores: number;
  gpus: number;
  freeCores: number;
  freeGpus: number;
}

function nodeState(node: NodeResources): NodeState {
  return { name: node.name, cores: new IdSet(node.cores), gpus: new IdSet(node.gpus) };
}

/** How many copies of (cores, gpus) fit in (freeCores, freeGpus). */
function copies(freeCores: number, freeGpus: number, cores: number, gpus: number): number {
  const byCores = cores === 0 ? Number.POSITIVE_INFINITY : Math.floor(freeCores / cores);
  const byGpus = gpus === 0 ? Number.POSITIVE_INFINITY : Math.floor(freeGpus / gpus);
  return Math.min(byCores, byGpus);
}

function checkRequest(request: ResourceRequest): void {
  const ok = (n: number | undefined, min: number) => n === undefined || (Number.isSafeInteger(n) && n >= min);
  if (!ok(request.cores, 0) || !ok(request.gpus, 0) || !ok(request.ranks, 1)) {
    throw new FlotillaError("INTERNAL", `bad resource request ${JSON.stringify(request)}`);
  }
}

export class ResourcePool {
  private readonly nodes: NodeState[];
  private readonly byName = new Map<string, number>();
  /** Shape key → index of the first node that may fit that shape. */
  private readonly cursors = new Map<number, number>();
  private totalFreeCores = 0;
  private totalFreeGpus = 0;

  constructor(nodes: readonly NodeResources[]) {
    this.nodes = nodes.map(nodeState);
    this.nodes.forEach((node, i) => {
      if (this.byName.has(node.name)) throw new FlotillaError("INTERNAL", `node ${node.name} listed twice`);
      this.byName.set(node.name, i);
      this.totalFreeCores += node.cores.free;
      this.totalFreeGpus += node.gpus.free;
    });
  }

  /** Cores and GPUs for `request`, or undefined when they are not free now. */
  place(request: ResourceRequest): Placement | undefined {
    checkRequest(request);
    const { cores, gpus } = request;
    const ranks = request.ranks ?? 1;
    if (this.totalFreeCores < cores * ranks || this.totalFreeGpus < gpus * ranks) return undefined;
    const first = this.firstFit(cores, gpus);
    if (first < 0) return undefined;
    if (request.ranks === undefined) return withSlots([this.takeSlot(first, cores, gpus)]);

    // MPI: fill each node with as many ranks as fit before moving to the next
    // (block distribution); all ranks or none.
    const counts: [number, number][] = [];
    let remaining = ranks;
    for (let i = first; i < this.nodes.length && remaining > 0; i++) {
      const node = this.nodes[i]!;
      const n = Math.min(remaining, copies(node.cores.free, node.gpus.free, cores, gpus));
      if (n > 0) {
        counts.push([i, n]);
        remaining -= n;
      }
    }
    if (remaining > 0) return undefined;
    const slots: Slot[] = [];
    for (const [i, n] of counts) for (let r = 0; r < n; r++) slots.push(this.takeSlot(i, cores, gpus));
    return withSlots(slots);
  }

  /** Gives back everything `placement` holds. Releasing an id that is not held is a bug: it throws and changes nothing. */
  release(placement: Placement): void {
    const indexes = placement.slots.map((slot) => this.checkHeld(slot));
    placement.slots.forEach((slot, k) => {
      const index = indexes[k]!;
      const node = this.nodes[index]!;
      node.cores.give(slot.cores);
      node.gpus.give(slot.gpus);
      this.totalFreeCores += slot.cores.length;
      this.totalFreeGpus += slot.gpus.length;
      for (const [shape, cursor] of this.cursors) if (cursor > index) this.cursors.set(shape, index);
    });
  }

  /** Whether `request` could be placed on this allocation if nothing else held anything. */
  fitsWhenEmpty(request: ResourceRequest): boolean {
    checkRequest(request);
    let remaining = request.ranks ?? 1;
    for (const node of this.nodes) {
      const n = copies(node.cores.ids.length, node.gpus.ids.length, request.cores, request.gpus);
      if (request.ranks === undefined && n >= 1) return true;
      remaining -= Math.min(remaining, n);
      if (request.ranks !== undefined && remaining === 0) return true;
    }
    return false;
  }

  usage(): NodeUsage[] {
    return this.nodes.map((n) => ({
      name: n.name,
      cores: n.cores.ids.length,
      gpus: n.gpus.ids.length,
      freeCores: n.cores.free,
      freeGpus: n.gpus.free,
    }));
  }

  /** Largest node by cores and by GPUs (not necessarily the same node). */
  largest(): { cores: number; gpus: number } {
    let cores = 0;
    let gpus = 0;
    for (const n of this.nodes) {
      cores = Math.max(cores, n.cores.ids.length);
      gpus = Math.max(gpus, n.gpus.ids.length);
    }
    return { cores, gpus };
  }

  private firstFit(cores: number, gpus: number): number {
    const shape = cores * 1_048_576 + gpus;
    for (let i = this.cursors.get(shape) ?? 0; i < this.nodes.length; i++) {
      const node = this.nodes[i]!;
      if (node.cores.free >= cores && node.gpus.free >= gpus) {
        this.cursors.set(shape, i);
        return i;
      }
    }
    this.cursors.set(shape, this.nodes.length);
    return -1;
  }

  private takeSlot(index: number, cores: number, gpus: number): Slot {
    const node = this.nodes[index]!;
    this.totalFreeCores -= cores;
    this.totalFreeGpus -= gpus;
    return { node: node.name, cores: node.cores.take(cores), gpus: node.gpus.take(gpus) };
  }

  private checkHeld(slot: Slot): number {
    const index = this.byName.get(slot.node);
    if (index === undefined) throw new FlotillaError("INTERNAL", `release on unknown node ${slot.node}`);
    const node = this.nodes[index]!;
    const check = (ids: number[], set: IdSet, what: string) => {
      const seen = new Set<number>();
      for (const id of ids) {
        if (!set.isHeld(id) || seen.has(id)) {
          throw new FlotillaError("INTERNAL", `${what} ${id} on ${node.name} released but not held`);
        }
        seen.add(id);
      }
    };
    check(slot.cores, node.cores, "core");
    check(slot.gpus, node.gpus, "GPU");
    return index;
  }
}

function withSlots(slots: Slot[]): Placement {
  const first = slots[0]!;
  return { node: first.node, cores: first.cores, gpus: first.gpus, slots };
}
