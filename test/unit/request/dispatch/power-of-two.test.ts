import { describe, expect, it } from "vitest";
import { type Candidate, createBalancer } from "../../../../engine/request/dispatch/balancer.js";
import { powerOfTwo } from "../../../../engine/request/dispatch/power-of-two.js";

const instances = (...outstanding: number[]): Candidate[] =>
  outstanding.map((count, instance) => ({ instance, outstanding: count }));

/** A small seeded generator (LCG), so the picks are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("power_of_two", () => {
  it("is what createBalancer makes for the name", () => {
    expect(createBalancer("power_of_two").name).toBe("power_of_two");
  });

  it("handles none and one candidate", () => {
    expect(powerOfTwo().pick([])).toBeUndefined();
    expect(powerOfTwo().pick(instances(7))?.instance).toBe(0);
  });

  it("of two, always takes the one with fewer outstanding", () => {
    const balancer = powerOfTwo(seeded(1));
    for (let i = 0; i < 200; i++) expect(balancer.pick(instances(5, 2))?.instance).toBe(1);
  });

  it("never takes the single busiest instance, and spreads over the others", () => {
    const balancer = powerOfTwo(seeded(2));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++) {
      const picked = balancer.pick(instances(1, 1, 9, 1))?.instance ?? -1;
      counts[picked] = (counts[picked] ?? 0) + 1;
    }
    expect(counts[2]).toBe(0);
    for (const i of [0, 1, 3]) expect(counts[i]).toBeGreaterThan(1_000);
  });

  it("spreads evenly when the load is even", () => {
    const balancer = powerOfTwo(seeded(3));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++) {
      const picked = balancer.pick(instances(0, 0, 0, 0))?.instance ?? -1;
      counts[picked] = (counts[picked] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
