/**
 * Memory does not grow with the number of requests: a shorter form of the
 * million-request soak (bench/soak/run.ts), sized for CI on a small machine.
 * 250,000 NOOP requests through `flotilla run`; the engine's and the service
 * hosts' resident memory over the last 50,000 requests stay within 10% of
 * what they were over the 50,000 after the first 50,000.
 */
import { describe, expect, it } from "vitest";
import { growth, soak } from "../../bench/soak/soak.js";
import { tempDir } from "../helpers/tmp.js";

describe("soak", () => {
  it("keeps engine and host memory level over 250,000 NOOP requests", async () => {
    const result = await soak({
      dir: tempDir("flotilla-soak-"),
      requests: 250_000,
      baselineAt: 50_000,
      limitMs: 150_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.completed).toBe(250_000);
    const change = growth(result);
    console.log(
      `soak: ${result.completed} requests in ${(result.durationMs / 1000).toFixed(1)} s; ` +
        `engine ${result.baseline.engineKb} → ${result.end.engineKb} kB (${(change.engine * 100).toFixed(1)}%), ` +
        `hosts ${result.baseline.hostsKb} → ${result.end.hostsKb} kB (${(change.hosts * 100).toFixed(1)}%)`,
    );
    expect(change.engine).toBeLessThanOrEqual(0.1);
    expect(change.hosts).toBeLessThanOrEqual(0.1);
  }, 180_000);
});
