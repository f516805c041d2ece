/**
 * Ctrl-C during a bench run stops it cleanly: exit 130, the run in progress
 * torn down in order, and results.json still holds what was measured,
 * marked as interrupted.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { readJson } from "./svg.js";

describe("flotilla bench interrupted", () => {
  it("keeps what was measured and exits 130", async () => {
    const dir = tempDir("flotilla-bench-int-");
    const out = join(dir, "results");
    const bench = startCli(["bench", "bootstrap", "--instances", "1,2", "--rounds", "20", "--out", out, "--json"], {
      cwd: dir,
    });
    await bench.waitForOutput(/"type":"bench:measurement"/, 60_000);
    bench.child.kill("SIGINT");
    const result = await bench.done;
    expect(result.code, result.stdout).toBe(130);
    const last = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { type: string; interrupted?: boolean };
    expect(last).toMatchObject({ type: "bench:result", interrupted: true });
    const results = readJson<{ complete: boolean; interrupted: boolean; rounds: unknown[]; rows: unknown[] }>(
      join(out, "results.json"),
    );
    expect(results.complete).toBe(false);
    expect(results.interrupted).toBe(true);
    expect(results.rounds.length).toBeGreaterThanOrEqual(1);
    expect(results.rounds.length).toBeLessThan(40);
    expect(results.rows.length).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
