import { describe, expect, it } from "vitest";
import type { NodeResources } from "../../../engine/platform/types.js";
import type { Placement, ResourceRequest } from "../../../engine/resources.js";
import { syntheticNodes } from "../../../engine/scheduler/plan.js";
import { ResourcePool } from "../../../engine/scheduler/pool.js";

/** Small seeded PRNG (mulberry32) so the churn test is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("ResourcePool", () => {
  it("places first-fit by node order, lowest ids first", () => {
    const pool = new ResourcePool(syntheticNodes(2, 4, 2));
    expect(pool.place({ cores: 2, gpus: 1 })).toEqual({
      node: "node0001",
      cores: [0, 1],
      gpus: [0],
      slots: [{ node: "node0001", cores: [0, 1], gpus: [0] }],
    });
    expect(pool.place({ cores: 1, gpus: 1 })).toMatchObject({ node: "node0001", cores: [2], gpus: [1] });
    expect(pool.place({ cores: 1, gpus: 1 })).toMatchObject({ node: "node0002", cores: [0], gpus: [0] });
    expect(pool.place({ cores: 1, gpus: 0 })).toMatchObject({ node: "node0001", cores: [3], gpus: [] });
  });

  it("uses the ids the platform gave, sorted, and never others", () => {
    const nodes: NodeResources[] = [{ name: "a", cores: [9, 3, 5], gpus: [7, 2] }];
    const pool = new ResourcePool(nodes);
    expect(pool.place({ cores: 2, gpus: 1 })).toMatchObject({ cores: [3, 5], gpus: [2] });
    expect(pool.place({ cores: 1, gpus: 1 })).toMatchObject({ cores: [9], gpus: [7] });
    expect(pool.place({ cores: 1, gpus: 0 })).toBeUndefined();
  });

  it("gives back sparse ids and hands out the lowest free one again", () => {
    const pool = new ResourcePool([{ name: "a", cores: [10, 4, 6, 4], gpus: [] }]);
    const low = pool.place({ cores: 1, gpus: 0 })!;
    const rest = pool.place({ cores: 2, gpus: 0 })!;
    expect([low.cores, rest.cores]).toEqual([[4], [6, 10]]);
    pool.release(low);
    expect(() => pool.release(low)).toThrow(/core 4 on a released but not held/);
    expect(() => pool.release({ ...rest, slots: [{ node: "a", cores: [5], gpus: [] }] })).toThrow(/core 5/);
    expect(pool.place({ cores: 1, gpus: 0 })?.cores).toEqual([4]);
  });

  it("returns undefined when nothing fits now, and places again after a release", () => {
    const pool = new ResourcePool(syntheticNodes(2, 2, 1));
    const a = pool.place({ cores: 1, gpus: 1 })!;
    const b = pool.place({ cores: 1, gpus: 1 })!;
    expect(pool.place({ cores: 1, gpus: 1 })).toBeUndefined();
    pool.release(a);
    // The cursor for this shape had moved past node0001; a release must move it back.
    expect(pool.place({ cores: 1, gpus: 1 })).toMatchObject({ node: "node0001", gpus: [0] });
    pool.release(b);
    expect(pool.place({ cores: 2, gpus: 0 })).toMatchObject({ node: "node0002", cores: [0, 1] });
  });

  it("places zero-size requests without taking ids", () => {
    const pool = new ResourcePool(syntheticNodes(1, 1, 0));
    expect(pool.place({ cores: 0, gpus: 0 })).toMatchObject({ node: "node0001", cores: [], gpus: [] });
    expect(new ResourcePool([]).place({ cores: 0, gpus: 0 })).toBeUndefined();
  });

  it("spreads MPI ranks across nodes, filling each before the next, one slot per rank", () => {
    const pool = new ResourcePool(syntheticNodes(3, 4, 2));
    pool.place({ cores: 3, gpus: 0 }); // node0001 keeps 1 core
    const p = pool.place({ cores: 2, gpus: 1, ranks: 3 })!;
    expect(p.slots).toEqual([
      { node: "node0002", cores: [0, 1], gpus: [0] },
      { node: "node0002", cores: [2, 3], gpus: [1] },
      { node: "node0003", cores: [0, 1], gpus: [0] },
    ]);
    expect(p).toMatchObject({ node: "node0002", cores: [0, 1], gpus: [0] });
  });

  it("places all MPI ranks or none", () => {
    const pool = new ResourcePool(syntheticNodes(2, 2, 0));
    expect(pool.place({ cores: 1, gpus: 0, ranks: 5 })).toBeUndefined();
    expect(pool.usage().every((n) => n.freeCores === 2)).toBe(true);
    expect(pool.place({ cores: 1, gpus: 0, ranks: 4 })?.slots).toHaveLength(4);
  });

  it("refuses to release what it does not hold, and changes nothing then", () => {
    const pool = new ResourcePool(syntheticNodes(1, 2, 1));
    const p = pool.place({ cores: 1, gpus: 1 })!;
    pool.release(p);
    expect(() => pool.release(p)).toThrow(/core 0 on node0001 released but not held/);
    expect(() => pool.release({ ...p, slots: [{ node: "elsewhere", cores: [], gpus: [] }] })).toThrow(/unknown node/);
    expect(pool.usage()[0]).toMatchObject({ freeCores: 2, freeGpus: 1 });
    expect(() => pool.place({ cores: -1, gpus: 0 })).toThrow(/bad resource request/);
  });

  it("knows what could ever fit", () => {
    const pool = new ResourcePool(syntheticNodes(2, 4, 2));
    expect(pool.fitsWhenEmpty({ cores: 4, gpus: 2 })).toBe(true);
    expect(pool.fitsWhenEmpty({ cores: 5, gpus: 0 })).toBe(false);
    expect(pool.fitsWhenEmpty({ cores: 2, gpus: 1, ranks: 4 })).toBe(true);
    expect(pool.fitsWhenEmpty({ cores: 2, gpus: 1, ranks: 5 })).toBe(false);
    expect(pool.largest()).toEqual({ cores: 4, gpus: 2 });
  });

  it("never gives an id to two holders under random place/release churn", () => {
    const next = random(42);
    const nodes = syntheticNodes(6, 8, 4);
    const pool = new ResourcePool(nodes);
    const held: Placement[] = [];
    const owner = new Map<string, number>();
    let placed = 0;
    let refused = 0;
    for (let step = 0; step < 5_000; step++) {
      if (held.length > 0 && next() < 0.45) {
        const [p] = held.splice(Math.floor(next() * held.length), 1);
        for (const s of p!.slots)
          for (const id of [...s.cores.map((c) => `c${c}`), ...s.gpus.map((g) => `g${g}`)])
            owner.delete(`${s.node}/${id}`);
        pool.release(p!);
        continue;
      }
      const request: ResourceRequest = { cores: Math.floor(next() * 4), gpus: Math.floor(next() * 3) };
      if (next() < 0.2) request.ranks = 1 + Math.floor(next() * 6);
      const p = pool.place(request);
      if (p === undefined) {
        refused++;
        continue;
      }
      placed++;
      expect(p.slots).toHaveLength(request.ranks ?? 1);
      for (const s of p.slots) {
        expect(s.cores).toHaveLength(request.cores);
        expect(s.gpus).toHaveLength(request.gpus);
        for (const id of [...s.cores.map((c) => `c${c}`), ...s.gpus.map((g) => `g${g}`)]) {
          const key = `${s.node}/${id}`;
          expect(owner.has(key), `${key} given twice`).toBe(false);
          owner.set(key, step);
        }
      }
      held.push(p);
      // Free counts agree with what is held.
      const used = pool.usage().reduce((sum, n) => sum + (n.cores - n.freeCores) + (n.gpus - n.freeGpus), 0);
      expect(used).toBe(owner.size);
    }
    expect(placed).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(10);
  });

  it("matches a plain linear-scan first-fit placement for placement and release", () => {
    // The cursors are an optimisation: results must equal scanning every node every time.
    const next = random(7);
    const pool = new ResourcePool(syntheticNodes(5, 6, 3));
    const free = Array.from({ length: 5 }, () => ({ cores: 6, gpus: 3 }));
    const held: Placement[] = [];
    for (let step = 0; step < 2_000; step++) {
      if (held.length > 0 && next() < 0.4) {
        const p = held.splice(Math.floor(next() * held.length), 1)[0]!;
        pool.release(p);
        const i = Number(p.node.slice(4)) - 1;
        free[i]!.cores += p.cores.length;
        free[i]!.gpus += p.gpus.length;
        continue;
      }
      const request = { cores: 1 + Math.floor(next() * 3), gpus: Math.floor(next() * 2) };
      const expected = free.findIndex((n) => n.cores >= request.cores && n.gpus >= request.gpus);
      const p = pool.place(request);
      if (expected < 0) {
        expect(p).toBeUndefined();
        continue;
      }
      expect(p?.node).toBe(`node000${expected + 1}`);
      free[expected]!.cores -= request.cores;
      free[expected]!.gpus -= request.gpus;
      held.push(p!);
    }
  });
});
