import { describe, expect, it } from "vitest";
import { formatEvent } from "../../../cli/sinks/text.js";

const base = { v: 1 as const, seq: 1, ts: 1, type: "service:scale" as const, service: "llm" };

describe("service:scale as a text line", () => {
  it("says what changed, why, on what load, and what held it back", () => {
    expect(
      formatEvent({
        ...base,
        from: 1,
        to: 3,
        reason: "load_high",
        instances: [1, 2],
        load: { outstanding: 17, instances: 1, per_instance: 17, target: 4 },
        held_back: "max",
      }),
    ).toBe(
      "service llm scaled 1 → 3 (load high: 17 outstanding on 1 ready, 17 each, target 4) adding 1,2; held back: max",
    );
    expect(
      formatEvent({
        ...base,
        from: 2,
        to: 1,
        reason: "manual",
        instances: [1],
        load: { outstanding: 0, instances: 2, per_instance: 0, target: 0 },
      }),
    ).toBe("service llm scaled 2 → 1 (flotilla scale: 0 outstanding on 2 ready, 0 each, target 0) draining 1");
  });
});
