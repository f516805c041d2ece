import { describe, expect, it } from "vitest";
import { warningLeadMs, watchWalltime } from "../../../engine/run/walltime.js";

describe("warningLeadMs", () => {
  it("is 10% of the allocation, at most 5 minutes", () => {
    expect(warningLeadMs(10 * 60_000)).toBe(60_000);
    expect(warningLeadMs(4 * 3_600_000)).toBe(5 * 60_000);
    expect(warningLeadMs(2_000)).toBe(200);
  });
});

describe("watchWalltime", () => {
  it("warns before the deadline, then fires the deadline", async () => {
    const startedAt = Date.now();
    const seen: Array<{ what: string; at: number; remaining?: number }> = [];
    await new Promise<void>((resolve) => {
      watchWalltime({
        startedAt,
        deadline: startedAt + 1_000,
        onWarning: (remaining) => seen.push({ what: "warning", at: Date.now() - startedAt, remaining }),
        onDeadline: () => {
          seen.push({ what: "deadline", at: Date.now() - startedAt });
          resolve();
        },
      });
    });
    expect(seen.map((s) => s.what)).toEqual(["warning", "deadline"]);
    expect(seen[0]?.at).toBeGreaterThanOrEqual(890);
    expect(seen[0]?.remaining).toBeLessThanOrEqual(110);
    expect(seen[1]?.at).toBeGreaterThanOrEqual(990);
  });

  it("fires at once when the deadline already passed, and the disarm stops pending timers", async () => {
    const calls: string[] = [];
    watchWalltime({
      startedAt: 0,
      deadline: Date.now() - 1,
      onWarning: () => calls.push("w"),
      onDeadline: () => calls.push("d"),
    });
    expect(calls).toEqual(["w", "d"]);
    const disarm = watchWalltime({
      startedAt: Date.now(),
      deadline: Date.now() + 100,
      onWarning: () => calls.push("late"),
      onDeadline: () => calls.push("late"),
    });
    disarm();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toEqual(["w", "d"]);
  });
});
