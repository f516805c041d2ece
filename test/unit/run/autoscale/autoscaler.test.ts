/**
 * The autoscaler's side of a decision, over a fake service set and a fake
 * clock: what it asks the service set for, and which `service:scale` events
 * it emits (held-back scale-ups once per episode, not once per tick).
 */
import { describe, expect, it } from "vitest";
import type { ServiceScaleEvent } from "../../../../engine/events.js";
import type { ResourceRequest } from "../../../../engine/resources.js";
import { Autoscaler, tickMs } from "../../../../engine/run/autoscale/autoscaler.js";
import type { ServiceSet } from "../../../../engine/run/services.js";
import type { ServiceSpec } from "../../../../engine/workload/schema.js";

const SPEC = {
  name: "llm",
  backend: "noop",
  autoscale: { min: 1, max: 3, target_outstanding: 2, up_after: 100, down_after: 200, drain_timeout: 1_000 },
} as unknown as ServiceSpec;

function setup(options: { room?: number; waiting?: ResourceRequest[] } = {}) {
  let now = 0;
  let count = 1;
  let room = options.room ?? 10;
  const events: Array<Omit<ServiceScaleEvent, "type" | "service">> = [];
  const load = { outstanding: 0, instances: 1 };
  const services = {
    isManual: () => false,
    scaleView: () => ({ count, starting: 0, draining: 0 }),
    grow: (_name: string, n: number) => {
      const added: number[] = [];
      while (added.length < n && room > 0) {
        added.push(count + added.length);
        room--;
      }
      count += added.length;
      return added;
    },
    shrink: (_spec: ServiceSpec, n: number) => {
      count -= n;
      return { indexes: [count], done: Promise.resolve() };
    },
    borrowed: () => [],
    lastRetired: () => undefined,
    emitScale: ({ service: _service, ...event }: Omit<ServiceScaleEvent, "type">) => events.push(event),
  } as unknown as ServiceSet;
  const scaler = new Autoscaler({
    services,
    specs: () => [SPEC],
    load: () => ({ ...load, instances: count }),
    usage: () => [{ name: "n", cores: 8, gpus: 4, freeCores: room, freeGpus: room }],
    waitingTasks: () => options.waiting ?? [],
    log: () => {},
    signal: new AbortController().signal,
    now: () => now,
  });
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += 25) {
      now += 25;
      scaler.tick();
    }
  };
  return { load, events, advance, count: () => count };
}

describe("Autoscaler", () => {
  it("ticks four times per up_after, at most once a second, at least every 50 ms", () => {
    expect(tickMs([SPEC])).toBe(50);
    expect(tickMs([])).toBe(1_000);
  });

  it("grows to max and reports the limit once, then drains back to min one at a time", () => {
    const s = setup();
    s.load.outstanding = 20;
    s.advance(1_000);
    expect(s.count()).toBe(3);
    expect(s.events).toEqual([
      {
        from: 1,
        to: 3,
        reason: "load_high",
        instances: [1, 2],
        load: { outstanding: 20, instances: 1, per_instance: 20, target: 2 },
        held_back: "max",
      },
    ]);
    s.load.outstanding = 0;
    s.advance(1_000);
    expect(s.count()).toBe(1);
    expect(s.events.slice(1).map((e) => [e.from, e.to, e.reason, e.instances])).toEqual([
      [3, 2, "load_low", [2]],
      [2, 1, "load_low", [1]],
    ]);
  });

  it("takes nothing while a waiting task would fit, and says so once", () => {
    const s = setup({ waiting: [{ cores: 1, gpus: 1 }] });
    s.load.outstanding = 6;
    s.advance(1_000);
    expect(s.count()).toBe(1);
    expect(s.events.map((e) => [e.from, e.to, e.held_back])).toEqual([[1, 1, "pending tasks need the resources"]]);
  });

  it("lets a task that can never fit here not block scaling", () => {
    const s = setup({ waiting: [{ cores: 1, gpus: 64 }] });
    s.load.outstanding = 6;
    s.advance(500);
    expect(s.count()).toBe(3);
  });

  it("adds what fits when the pool runs short", () => {
    const s = setup({ room: 1 });
    s.load.outstanding = 6;
    s.advance(1_000);
    expect(s.count()).toBe(2);
    expect(s.events.map((e) => [e.from, e.to, e.held_back])).toEqual([[1, 2, "no free cores/GPUs"]]);
  });
});
