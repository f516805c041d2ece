/**
 * The ids of one kind (cores or GPUs) on one node, and which of them are
 * held. Hands out the lowest free ids first. Built for 1,000s of nodes: no
 * per-id maps unless the ids are sparse and something is released.
 */
export class IdSet {
  /** Sorted ascending, no duplicates. */
  readonly ids: readonly number[];
  free: number;
  /**
   * 1 where ids[i] is held. Made on first use: `plan` on 200,000 nodes of
   * 4,096 cores would otherwise allocate 800 MB for nodes it never touches.
   */
  private heldIds: Uint8Array | undefined;
  /** No free id sits below this index. */
  private lowest = 0;
  /** ids[i] === ids[0] + i for every i: positions need no lookup table. */
  private readonly dense: boolean;
  private positions: Map<number, number> | undefined;

  constructor(ids: readonly number[]) {
    this.ids = sortedUnique(ids);
    this.free = this.ids.length;
    const first = this.ids[0] ?? 0;
    this.dense = this.ids.length === 0 || this.ids[this.ids.length - 1] === first + this.ids.length - 1;
  }

  private get held(): Uint8Array {
    this.heldIds ??= new Uint8Array(this.ids.length);
    return this.heldIds;
  }

  /** Takes the `count` lowest free ids. The caller has checked `free >= count`. */
  take(count: number): number[] {
    const out: number[] = [];
    let i = this.lowest;
    for (; i < this.held.length && out.length < count; i++) {
      if (this.held[i] === 0) {
        this.held[i] = 1;
        out.push(this.ids[i]!);
      }
    }
    this.free -= out.length;
    if (out.length === count && count > 0) this.lowest = i;
    return out;
  }

  /** Whether `id` belongs here and is held now. */
  isHeld(id: number): boolean {
    const i = this.indexOf(id);
    return i >= 0 && this.heldIds?.[i] === 1;
  }

  /** Frees ids the caller has checked with `isHeld`. */
  give(ids: readonly number[]): void {
    for (const id of ids) {
      const i = this.indexOf(id);
      this.held[i] = 0;
      if (i < this.lowest) this.lowest = i;
    }
    this.free += ids.length;
  }

  private indexOf(id: number): number {
    if (this.dense) {
      const i = id - (this.ids[0] ?? 0);
      return Number.isInteger(i) && i >= 0 && i < this.ids.length ? i : -1;
    }
    this.positions ??= new Map(this.ids.map((value, i) => [value, i]));
    return this.positions.get(id) ?? -1;
  }
}

/** Lists already known sorted: synthetic nodes share one list, checked once rather than once per node. */
const checked = new WeakSet<readonly number[]>();

function sortedUnique(ids: readonly number[]): readonly number[] {
  if (checked.has(ids)) return ids;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]! <= ids[i - 1]!) return [...new Set(ids)].sort((a, b) => a - b);
  }
  checked.add(ids);
  return ids;
}
