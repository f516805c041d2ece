import { describe, expect, it } from "vitest";
import { cell, formatDuration, formatIds, formatLatency, formatRate, splitCells, usageBar } from "../../tui/format.js";
import { planRows, windowStart } from "../../tui/layout.js";

describe("format", () => {
  it("formats durations, latencies and rates", () => {
    expect(formatDuration(850)).toBe("850ms");
    expect(formatDuration(12_340)).toBe("12.3s");
    expect(formatDuration(245_000)).toBe("4m05s");
    expect(formatDuration(7_380_000)).toBe("2h03m");
    expect(formatDuration(undefined)).toBe("–");
    expect(formatLatency(0.423)).toBe("0.42ms");
    expect(formatLatency(3.14)).toBe("3.1ms");
    expect(formatLatency(2_400)).toBe("2.4s");
    expect(formatRate(152.4)).toBe("152");
    expect(formatRate(12.34)).toBe("12.3");
    expect(formatRate(2_500)).toBe("2.5k");
  });

  it("compacts id lists into ranges", () => {
    expect(formatIds([3, 0, 1, 2, 6])).toBe("0-3,6");
    expect(formatIds([5])).toBe("5");
    expect(formatIds([])).toBe("–");
  });

  it("draws usage bars and cells of exact width", () => {
    expect(usageBar(3, 4, 8)).toBe("██████░░");
    expect(usageBar(0, 0, 4)).toBe("░░░░");
    expect(cell("abc", 5)).toBe("abc  ");
    expect(cell("abcdef", 5)).toBe("abc… ");
  });

  it("splits bar cells in proportion, keeping small non-zero parts visible", () => {
    expect(splitCells([1, 1, 2], 8)).toEqual([2, 2, 4]);
    expect(splitCells([0.4, 1.2, 18.5], 24)).toEqual([1, 1, 22]);
    expect(splitCells([0, 0, 0], 10)).toEqual([0, 0, 0]);
    expect(splitCells([5, 0, 5], 3).reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe("layout", () => {
  it("gives every section rows in turn within the terminal height", () => {
    const plan = planRows(24, { services: 20, latency: 20, tasks: 20, events: 20 });
    expect(plan.services + plan.latency + plan.tasks + plan.events).toBe(24 - 1 - 8);
    expect(plan.services).toBeGreaterThanOrEqual(plan.latency);
    expect(planRows(24, { services: 2, latency: 2, tasks: 1, events: 0 })).toEqual({
      services: 2,
      latency: 2,
      tasks: 1,
      events: 0,
    });
    expect(planRows(5, { services: 3, latency: 3, tasks: 3, events: 3 })).toEqual({
      services: 0,
      latency: 0,
      tasks: 0,
      events: 0,
    });
  });

  it("scrolls a window to keep the selection in view", () => {
    expect(windowStart(10, 4, 0)).toBe(0);
    expect(windowStart(10, 4, 5)).toBe(2);
    expect(windowStart(10, 4, 9)).toBe(6);
    expect(windowStart(3, 4, 2)).toBe(0);
  });
});
