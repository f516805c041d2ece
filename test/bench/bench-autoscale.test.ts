/**
 * `flotilla bench autoscale` end to end through the binary in a quick
 * setting (two short bursts, at most two instances): results.json has the
 * three arms with numbers and ratios against fixed max from the same round,
 * and `flotilla report` draws them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AutoscaleRound, AutoscaleRow } from "../../cli/bench/autoscale-types.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { isSvg, readJson } from "./svg.js";

const QUICK = [
  ["--max", "2"],
  ["--bursts", "2"],
  ["--requests", "60"],
  ["--concurrency", "8"],
  ["--delay", "20"],
  ["--max-inflight", "1"],
  ["--target", "1"],
  ["--up-after", "200ms"],
  ["--down-after", "300ms"],
  ["--gap", "1"],
].flat();

describe("flotilla bench autoscale", () => {
  it("measures fixed min, fixed max and autoscale on the same bursts, with ratios against fixed max", async () => {
    const dir = tempDir("flotilla-bench-autoscale-");
    const out = join(dir, "results");
    const bench = await runCli(["bench", "autoscale", ...QUICK, "--out", out], { cwd: dir });
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/fixed 1\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+x\s+[\d.]+\s+[\d.]+x\s+1\s/);
    expect(bench.stdout).toMatch(/fixed 2\s+1\s+[\d.]+\s+[\d.]+\s+1\.00x\s+[\d.]+\s+1\.00x\s+2\s/);
    expect(bench.stdout).toMatch(/autoscale 1\.\.2\s+1\s/);

    const results = readJson<{ complete: boolean; rounds: AutoscaleRound[]; rows: AutoscaleRow[] }>(
      join(out, "results.json"),
    );
    expect(results.complete).toBe(true);
    expect(results.rounds.map((r) => r.arm).sort()).toEqual(["autoscale", "max", "min"]);
    for (const round of results.rounds) {
      expect(round.error, round.error).toBeUndefined();
      expect(round.requests).toBe(120);
      expect(round.p99_ms).toBeGreaterThan(0);
      expect(round.gpu_seconds).toBeGreaterThan(0);
      expect(round.p99_ratio).toBeGreaterThan(0);
      expect(round.gpu_ratio).toBeGreaterThan(0);
    }
    const arm = (name: string) => results.rounds.find((r) => r.arm === name)!;
    expect(arm("max").p99_ratio).toBe(1);
    expect(arm("max").gpu_ratio).toBe(1);
    expect(arm("min").gpu_ratio).toBeCloseTo(arm("min").gpu_seconds / arm("max").gpu_seconds, 2);
    expect(arm("max").peak_instances).toBe(2);
    expect(arm("min").peak_instances).toBe(1);
    // The bursts keep 8 requests outstanding against a target of 1 for far longer than up_after.
    expect(arm("autoscale").scale_ups).toBeGreaterThanOrEqual(1);
    expect(arm("autoscale").peak_instances).toBe(2);
    expect(results.rows.map((r) => r.arm)).toEqual(["min", "max", "autoscale"]);
    for (const row of results.rows) expect(row.gpu_ratio?.mean).toBeGreaterThan(0);

    const report = await runCli(["report", out, "--json"], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    const written = JSON.parse(report.stdout) as { figures: Array<{ name: string }> };
    expect(written.figures.map((f) => f.name)).toEqual([
      "autoscale-ratios",
      "autoscale-p99",
      "autoscale-gpu-seconds",
      "autoscale-instances",
    ]);
    const ratios = readFileSync(join(out, "report", "autoscale-ratios.svg"), "utf8");
    expect(isSvg(ratios)).toBe(true);
    expect(ratios).toContain(`fixed 1; GPU-seconds ratio mean ${arm("min").gpu_ratio!.toFixed(3)}`);
    expect(readFileSync(join(out, "report", "index.html"), "utf8")).toContain("GPU-s / fixed max");

    // The autoscale arm's own session draws its instances over time.
    const session = await runCli(["report", arm("autoscale").session, "--json"], { cwd: dir });
    expect(session.code, session.stderr).toBe(0);
    expect((JSON.parse(session.stdout) as { figures: Array<{ name: string }> }).figures.map((f) => f.name)).toContain(
      "session-instances",
    );
  }, 180_000);
});
