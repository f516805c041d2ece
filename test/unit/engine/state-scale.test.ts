import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../../engine/events.js";
import { initialState, reduce } from "../../../engine/state.js";

const scale = (seq: number, from: number, to: number): EngineEvent => ({
  v: 1,
  seq,
  ts: 1_000 + seq,
  type: "service:scale",
  service: "llm",
  from,
  to,
  reason: to > from ? "load_high" : "load_low",
  instances: [Math.max(from, to) - 1],
  load: { outstanding: 9, instances: from, per_instance: 9 / from, target: 4 },
});

describe("service:scale in the state", () => {
  it("keeps the latest decision and how many there were on the service", () => {
    const state = [scale(1, 1, 2), scale(2, 2, 1)].reduce(reduce, initialState);
    expect(state.services).toEqual([
      {
        name: "llm",
        instances: [],
        scale: {
          ts: 1_002,
          from: 2,
          to: 1,
          reason: "load_low",
          instances: [1],
          load: { outstanding: 9, instances: 2, per_instance: 4.5, target: 4 },
          count: 2,
        },
      },
    ]);
  });
});
