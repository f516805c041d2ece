import { describe, expect, it } from "vitest";
import { fitsIn, roomWith, waitingThatFits } from "../../../../engine/run/autoscale/guard.js";

const nodes = [
  { name: "a", freeCores: 2, freeGpus: 0 },
  { name: "b", freeCores: 4, freeGpus: 1 },
];

describe("the room a scale-up leaves to waiting tasks", () => {
  it("adds what borrowed instances hold to the free room of their nodes", () => {
    const borrowed = [
      { slots: [{ node: "a", cores: [3], gpus: [0, 1] }] },
      { slots: [{ node: "b", cores: [5, 6], gpus: [2] }] },
    ];
    expect(roomWith(nodes, borrowed)).toEqual([
      { name: "a", freeCores: 3, freeGpus: 2 },
      { name: "b", freeCores: 6, freeGpus: 2 },
    ]);
    // The input is not changed.
    expect(nodes[0]).toEqual({ name: "a", freeCores: 2, freeGpus: 0 });
  });

  it("fits a process on one node, and MPI ranks across nodes", () => {
    expect(fitsIn(nodes, { cores: 1, gpus: 1 })).toBe(true);
    expect(fitsIn(nodes, { cores: 1, gpus: 2 })).toBe(false);
    expect(fitsIn(nodes, { cores: 5, gpus: 0 })).toBe(false);
    expect(fitsIn(nodes, { cores: 2, gpus: 0, ranks: 3 })).toBe(true);
    expect(fitsIn(nodes, { cores: 2, gpus: 0, ranks: 4 })).toBe(false);
  });

  it("finds a waiting task that the room would let start", () => {
    expect(waitingThatFits(nodes, [{ cores: 1, gpus: 4 }])).toBeUndefined();
    expect(
      waitingThatFits(nodes, [
        { cores: 1, gpus: 4 },
        { cores: 1, gpus: 1 },
      ]),
    ).toEqual({ cores: 1, gpus: 1 });
    expect(waitingThatFits(nodes, [])).toBeUndefined();
  });
});
