import { describe, expect, it } from "vitest";
import { sampleDelay } from "../../../../engine/request/host/noop.js";

function stats(samples: number[]): { mean: number; sd: number } {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length;
  return { mean, sd: Math.sqrt(variance) };
}

describe("the noop backend's emulated inference time", () => {
  it("is gaussian with the configured mean and standard deviation", () => {
    const samples = Array.from({ length: 20_000 }, () => sampleDelay({ mean_ms: 40, sd_ms: 5 }));
    const { mean, sd } = stats(samples);
    expect(mean).toBeGreaterThan(39.7);
    expect(mean).toBeLessThan(40.3);
    expect(sd).toBeGreaterThan(4.8);
    expect(sd).toBeLessThan(5.2);
  });

  it("is clipped at 0, never negative", () => {
    const samples = Array.from({ length: 10_000 }, () => sampleDelay({ mean_ms: 0, sd_ms: 5 }));
    expect(Math.min(...samples)).toBe(0);
    const zeros = samples.filter((s) => s === 0).length;
    expect(zeros).toBeGreaterThan(4_500);
    expect(zeros).toBeLessThan(5_500);
  });

  it("is exactly the mean without a standard deviation", () => {
    expect(sampleDelay({ mean_ms: 12, sd_ms: 0 })).toBe(12);
  });
});
