/**
 * `flotilla bench response` end to end through the binary on a small grid,
 * local and remote (flotilla serve hosts behind the command's own latency
 * proxy at 10 ms one way), with the prototype-style baseline beside it: the
 * results carry every field, each figure has one bar per configuration and
 * component with the numbers of results.json, and the proxy's two 10 ms
 * crossings show up as at least 20 ms more communication per request.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { barLabels, isSvg, labelNumbers, readJson } from "./svg.js";

interface Row {
  runtime: string;
  mode: string;
  scaling: string;
  clients: number;
  instances: number;
  requests: number;
  errors: number;
  ratio?: number;
  throughput: { mean: number; sd: number };
  [component: string]: unknown;
}

describe("flotilla bench response", () => {
  it("runs the grid locally and remotely next to the baseline, and the report draws its numbers", async () => {
    const dir = tempDir("flotilla-bench-resp-");
    const out = join(dir, "results");
    const args = ["bench", "response", "--instances", "1,2", "--clients", "1,2", "--requests", "16"];
    const bench = await runCli([...args, "--rounds", "1", "--delay", "10", "--out", out], { cwd: dir });
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/ratio: Flotilla \/ baseline throughput/);

    const results = readJson<{ notes: string[]; rounds: unknown[]; rows: Row[] }>(join(out, "results.json"));
    // 2 modes × 2 scalings × 2 instance counts × 2 client counts, Flotilla and the baseline.
    expect(results.rounds).toHaveLength(32);
    expect(results.rows).toHaveLength(32);
    for (const row of results.rows) {
      expect(row.errors).toBe(0);
      expect(row.throughput.mean).toBeGreaterThan(0);
      for (const part of ["communication", "service", "inference", "total"]) {
        expect(Object.keys(row[part] as object).sort()).toEqual(["mean", "p50", "p99", "sd"]);
      }
      if (row.runtime === "flotilla") expect(row.ratio).toBeGreaterThan(0);
      const expected = row.scaling === "strong" ? 16 : 16 * row.instances;
      expect(row.requests).toBe(Math.ceil(expected / row.clients) * row.clients);
    }

    // Physics, not speed: two 10 ms crossings per request. Compared where one client talks to one
    // instance: with more processes sharing the cores the local path's own time swings by
    // milliseconds on a busy machine, which says nothing about the link.
    const p50 = (r: Row) => (r.communication as { p50: number }).p50;
    for (const remote of results.rows.filter((r) => r.mode === "remote" && r.clients === 1 && r.instances === 1)) {
      const local = results.rows.find(
        (r) =>
          r.mode === "local" &&
          r.runtime === remote.runtime &&
          r.scaling === remote.scaling &&
          r.clients === remote.clients &&
          r.instances === remote.instances,
      )!;
      const what = `${remote.runtime} ${remote.scaling} ${remote.clients}×${remote.instances}: ${p50(local)} → ${p50(remote)} ms`;
      expect(p50(remote) - p50(local), what).toBeGreaterThanOrEqual(20);
    }

    const report = await runCli(["report", out], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    for (const name of [
      "response-strong-local",
      "response-weak-local",
      "response-strong-remote",
      "response-weak-remote",
    ]) {
      const svg = readFileSync(join(out, "report", `${name}.svg`), "utf8");
      expect(isSvg(svg)).toBe(true);
      const bars = barLabels(svg);
      // 4 configurations × 2 runtimes × 3 components.
      expect(bars).toHaveLength(24);
      const [scaling, mode] = name.split("-").slice(1) as [string, string];
      for (const label of bars) {
        const [, runtime, clients, instances] = /^(\w+) (\d+) clients × (\d+) instances/.exec(label)!;
        const drawn = labelNumbers(label)!;
        const row = results.rows.find(
          (r) =>
            r.runtime === runtime &&
            r.mode === mode &&
            r.scaling === scaling &&
            r.clients === Number(clients) &&
            r.instances === Number(instances),
        )!;
        expect(drawn.mean).toBeCloseTo((row[drawn.series] as { mean: number }).mean, 3);
      }
      const csv = readFileSync(join(out, `${name}.csv`), "utf8")
        .trim()
        .split("\n");
      expect(csv).toHaveLength(1 + 24);
    }

    // One of its sessions: every session figure, and the balance adds up to the requests sent.
    const session = join(out, "sessions", "local-strong-c2-n2-r1");
    const sessionReport = await runCli(["report", session, "--json"], { cwd: dir });
    expect(sessionReport.code, sessionReport.stderr).toBe(0);
    const written = JSON.parse(sessionReport.stdout) as { figures: Array<{ name: string }> };
    expect(written.figures.map((f) => f.name)).toEqual([
      "session-bootstrap",
      "session-response-over-time",
      "session-percentiles-service",
      "session-percentiles-instance",
      "session-requests-per-instance",
      "session-timeline",
    ]);
    const balance = barLabels(readFileSync(join(session, "report", "session-requests-per-instance.svg"), "utf8"));
    expect(balance).toHaveLength(2);
    expect(balance.reduce((sum, label) => sum + Number(/; (\d+) requests$/.exec(label)?.[1]), 0)).toBe(16);
  }, 300_000);

  it("says so and runs Flotilla alone where the baseline's Python cannot run", async () => {
    const dir = tempDir("flotilla-bench-nopy-");
    const out = join(dir, "results");
    const grid = ["--instances", "1", "--clients", "1", "--requests", "4", "--modes", "local", "--scaling", "strong"];
    const bench = await runCli(
      ["bench", "response", ...grid, "--rounds", "1", "--python", join(dir, "no-python"), "--out", out],
      { cwd: dir },
    );
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stderr).toMatch(/baseline not run: .*no-python cannot be run/);
    const results = readJson<{ notes: string[]; rows: Row[] }>(join(out, "results.json"));
    expect(results.notes.join("\n")).toMatch(/baseline not run/);
    expect(results.rows.map((r) => r.runtime)).toEqual(["flotilla"]);
  }, 120_000);
});
