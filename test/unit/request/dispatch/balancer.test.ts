import { describe, expect, it } from "vitest";
import {
  type Candidate,
  createBalancer,
  leastOutstanding,
  roundRobin,
} from "../../../../engine/request/dispatch/balancer.js";

const instances = (...outstanding: number[]): Candidate[] =>
  outstanding.map((count, instance) => ({ instance, outstanding: count }));

function picks(balancer: ReturnType<typeof roundRobin>, candidates: Candidate[], n: number): number[] {
  return Array.from({ length: n }, () => balancer.pick(candidates)?.instance ?? -1);
}

describe("round_robin", () => {
  it("takes every instance in turn, in index order", () => {
    expect(picks(roundRobin(), instances(0, 0, 0), 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it("ignores load", () => {
    expect(picks(roundRobin(), instances(50, 0, 9), 3)).toEqual([0, 1, 2]);
  });

  it("returns undefined when nothing is ready", () => {
    expect(roundRobin().pick([])).toBeUndefined();
  });

  it("neither skips nor repeats when an instance leaves and rejoins rotation", () => {
    const balancer = roundRobin();
    const all = instances(0, 0, 0, 0);
    expect(picks(balancer, all, 2)).toEqual([0, 1]);
    const without2 = all.filter((c) => c.instance !== 2);
    expect(picks(balancer, without2, 3)).toEqual([3, 0, 1]);
    expect(picks(balancer, all, 3)).toEqual([2, 3, 0]);
  });

  it("works over sparse instance indexes (remote instances after local ones)", () => {
    const candidates: Candidate[] = [
      { instance: 10, outstanding: 0 },
      { instance: 3, outstanding: 0 },
    ];
    expect(picks(roundRobin(), candidates, 4)).toEqual([3, 10, 3, 10]);
  });
});

describe("least_outstanding", () => {
  it("picks the instance with the fewest requests in flight", () => {
    expect(leastOutstanding().pick(instances(4, 1, 3))?.instance).toBe(1);
  });

  it("spreads ties round-robin", () => {
    expect(picks(leastOutstanding(), instances(2, 0, 0, 0), 4)).toEqual([1, 2, 3, 1]);
  });

  it("follows load as it changes", () => {
    const balancer = leastOutstanding();
    const load = [0, 0, 0];
    const sequence: number[] = [];
    for (let i = 0; i < 6; i++) {
      const chosen = balancer.pick(load.map((outstanding, instance) => ({ instance, outstanding })));
      if (!chosen) throw new Error("no pick");
      sequence.push(chosen.instance);
      load[chosen.instance] = (load[chosen.instance] ?? 0) + (chosen.instance === 0 ? 5 : 1);
    }
    // Instance 0 got heavy work first, so the others take the next ones.
    expect(sequence).toEqual([0, 1, 2, 1, 2, 1]);
  });

  it("returns undefined when nothing is ready", () => {
    expect(leastOutstanding().pick([])).toBeUndefined();
  });
});

describe("createBalancer", () => {
  it("builds each named balancer", () => {
    expect(createBalancer("round_robin").name).toBe("round_robin");
    expect(createBalancer("least_outstanding").name).toBe("least_outstanding");
  });
});
