/**
 * `flotilla bench bootstrap` end to end through the binary on a small
 * series, then `flotilla report` on its results: every field is there, the
 * figures are SVG with one bar per instance count and component, and the
 * numbers drawn are the numbers in results.json. The report of one of its
 * sessions draws the session figures.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { barLabels, isSvg, labelNumbers, readJson } from "./svg.js";

interface Stats {
  count: number;
  mean: number;
  sd: number;
  p50: number;
  p95: number;
}

describe("flotilla bench bootstrap", () => {
  it("measures each instance count, writes results and CSVs, and the report draws the same numbers", async () => {
    const dir = tempDir("flotilla-bench-boot-");
    const out = join(dir, "results");
    const bench = await runCli(["bench", "bootstrap", "--instances", "1,2", "--rounds", "2", "--out", out, "--json"], {
      cwd: dir,
    });
    expect(bench.code, bench.stderr).toBe(0);
    const lines = bench.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; done?: number });
    expect(lines[0]?.type).toBe("bench:start");
    expect(lines.filter((l) => l.type === "bench:measurement")).toHaveLength(4);
    expect(lines.at(-1)?.type).toBe("bench:result");

    const results = readJson<{
      complete: boolean;
      rounds: unknown[];
      rows: Array<Record<string, Stats> & { instances: number; rounds: number }>;
    }>(join(out, "results.json"));
    expect(results.complete).toBe(true);
    expect(results.rounds).toHaveLength(4);
    expect(results.rows.map((r) => r.instances)).toEqual([1, 2]);
    for (const row of results.rows) {
      expect(row.rounds).toBe(2);
      for (const part of ["launch", "init", "publish", "ready_all"]) {
        for (const field of ["count", "mean", "sd", "p50", "p95"]) expect(row[part]).toHaveProperty(field);
      }
      expect(row.launch!.count).toBe(2 * row.instances);
      expect(row.ready_all!.mean).toBeGreaterThan(0);
    }
    expect(readFileSync(join(out, "bootstrap-components.csv"), "utf8").trim().split("\n")).toHaveLength(1 + 2 * 3);

    const report = await runCli(["report", out, "--json"], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    const svg = readFileSync(join(out, "report", "bootstrap-components.svg"), "utf8");
    expect(isSvg(svg)).toBe(true);
    const bars = barLabels(svg);
    expect(bars).toHaveLength(2 * 3);
    for (const label of bars) {
      const n = Number(/^instances (\d+)/.exec(label)?.[1]);
      const drawn = labelNumbers(label)!;
      const row = results.rows.find((r) => r.instances === n)!;
      expect(drawn.mean).toBeCloseTo(row[drawn.series]!.mean, 3);
      expect(drawn.sd).toBeCloseTo(row[drawn.series]!.sd, 3);
    }
    expect(existsSync(join(out, "report", "bootstrap-components.vl.json"))).toBe(true);
    expect(readFileSync(join(out, "report", "index.html"), "utf8")).toContain("<svg");

    // A session directory of the same run draws the session figures.
    const session = join(out, "sessions", "n2-r1");
    const sessionReport = await runCli(["report", session, "--json"], { cwd: dir });
    expect(sessionReport.code, sessionReport.stderr).toBe(0);
    const written = JSON.parse(sessionReport.stdout) as { figures: Array<{ name: string; bars: number }> };
    expect(written.figures.map((f) => f.name)).toEqual(["session-bootstrap", "session-timeline"]);
    expect(barLabels(readFileSync(join(session, "report", "session-bootstrap.svg"), "utf8"))).toHaveLength(2 * 3);
  }, 240_000);
});
