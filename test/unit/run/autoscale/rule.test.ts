import { describe, expect, it } from "vitest";
import { type Decision, decide, type ScaleMemory, scaleLoad } from "../../../../engine/run/autoscale/rule.js";
import type { AutoscaleSpec } from "../../../../engine/workload/schema.js";

const SPEC: AutoscaleSpec = {
  min: 1,
  max: 8,
  target_outstanding: 4,
  up_after: 1_000,
  down_after: 3_000,
  drain_timeout: 30_000,
};

/** Feeds the rule one sample per `stepMs` of a fake clock; returns each decision that was not "hold", with its time. */
function run(
  samples: Array<{ outstanding: number; ready: number; count?: number; starting?: number }>,
  stepMs = 250,
  spec: AutoscaleSpec = SPEC,
) {
  const memory: ScaleMemory = {};
  const out: Array<[number, Decision]> = [];
  samples.forEach((s, i) => {
    const now = i * stepMs;
    const decision = decide(
      {
        now,
        spec,
        load: { outstanding: s.outstanding, instances: s.ready },
        count: s.count ?? s.ready,
        starting: s.starting ?? 0,
        draining: 0,
      },
      memory,
    );
    if (decision.kind !== "hold") out.push([now, decision]);
  });
  return out;
}

const repeat = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe("the autoscaling rule", () => {
  it("scales up only after the load has stayed above the target for up_after, to ceil(load / target)", () => {
    // 1 s of 17 outstanding on one instance: 5 instances (17 / 4 rounded up).
    expect(run(repeat(6, { outstanding: 17, ready: 1 }))).toEqual([[1_000, { kind: "up", to: 5, wanted: 5 }]]);
    // A spike shorter than up_after changes nothing.
    expect(run([...repeat(3, { outstanding: 17, ready: 1 }), ...repeat(6, { outstanding: 2, ready: 1 })])).toEqual([]);
  });

  it("never asks for more than max, and says what the load wanted", () => {
    expect(run(repeat(5, { outstanding: 100, ready: 1 }))).toEqual([[1_000, { kind: "up", to: 8, wanted: 25 }]]);
  });

  it("counts starting instances: no second scale-up for instances already on their way", () => {
    // 5 asked for at 1 s; while 4 of them start the ready one still sees 17, but 5 are enough.
    const samples = [
      ...repeat(5, { outstanding: 17, ready: 1 }),
      ...repeat(8, { outstanding: 17, ready: 1, count: 5, starting: 4 }),
    ];
    expect(run(samples)).toEqual([[1_000, { kind: "up", to: 5, wanted: 5 }]]);
  });

  it("scales down one instance per down_after, with hysteresis, never below min", () => {
    // 3 instances, 5 outstanding: 2 instances would hold 2.5 each (< 4): one goes after 3 s.
    // Then 2 instances, 5 outstanding: 1 would hold 5 (>= 4): stays.
    const samples = [...repeat(13, { outstanding: 5, ready: 3 }), ...repeat(20, { outstanding: 5, ready: 2 })];
    expect(run(samples)).toEqual([[3_000, { kind: "down", to: 2 }]]);
    // Idle at min: nothing.
    expect(run(repeat(30, { outstanding: 0, ready: 1 }))).toEqual([]);
    expect(run(repeat(30, { outstanding: 0, ready: 3 }), 250, { ...SPEC, min: 3 })).toEqual([]);
  });

  it("does not scale down while an instance is starting or draining", () => {
    const memory: ScaleMemory = {};
    const input = { spec: SPEC, load: { outstanding: 0, instances: 2 }, count: 3, starting: 1, draining: 0 };
    for (let now = 0; now <= 10_000; now += 500) expect(decide({ ...input, now }, memory).kind).toBe("hold");
    for (let now = 0; now <= 10_000; now += 500)
      expect(decide({ ...input, starting: 0, draining: 1, now }, memory).kind).toBe("hold");
  });

  it("restarts the clock when the load crosses back", () => {
    // High for 0.75 s, low once, high again: the up clock starts over.
    const samples = [
      ...repeat(4, { outstanding: 9, ready: 1 }),
      { outstanding: 1, ready: 1 },
      ...repeat(5, { outstanding: 9, ready: 1 }),
    ];
    expect(run(samples)).toEqual([[2_250, { kind: "up", to: 3, wanted: 3 }]]);
  });

  it("reports the load as the event carries it", () => {
    expect(scaleLoad({ outstanding: 10, instances: 3 }, 4)).toEqual({
      outstanding: 10,
      instances: 3,
      per_instance: 3.33,
      target: 4,
    });
    expect(scaleLoad({ outstanding: 6, instances: 0 }, 4).per_instance).toBe(6);
    expect(scaleLoad(undefined, 0)).toEqual({ outstanding: 0, instances: 0, per_instance: 0, target: 0 });
  });
});
