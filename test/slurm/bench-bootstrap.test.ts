/**
 * Experiment 1 on the 4-node test Slurm: `flotilla bench bootstrap
 * --platform slurm` starts the instances as srun steps, one GPU each, spread
 * over the nodes, and measures them like on local.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, slurmEnv, waitForEmptyQueue } from "./cluster.js";

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) out[k] = v;
  return out;
}

interface Round {
  instances: number;
  error?: string;
  ready_all_ms?: number;
  per_instance: Array<{ node: string; gpus: number[]; launch_ms: number; init_ms: number }>;
}

describeSlurm("flotilla bench bootstrap on slurm", () => {
  afterEach(async () => {
    await waitForEmptyQueue();
  });

  it("spreads the instances over the nodes, one GPU each, and measures every one", async () => {
    const dir = tempDir("flotilla-bench-slurm-");
    const out = join(dir, "results");
    const args = ["bench", "bootstrap", "--platform", "slurm", "--nodes", "4", "--gpus", "4", "--instances", "2,12"];
    const bench = await runCli([...args, "--rounds", "1", "--out", out, "--json"], { cwd: dir, env: env() });
    expect(bench.code, bench.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
      rounds: Round[];
      rows: Array<{ instances: number; launch: { count: number } }>;
    };
    expect(results.rounds.map((r) => r.error)).toEqual([undefined, undefined]);
    const twelve = results.rounds.find((r) => r.instances === 12)!;
    expect(twelve.per_instance).toHaveLength(12);
    expect(new Set(twelve.per_instance.map((i) => i.node)).size).toBe(3);
    for (const node of new Set(twelve.per_instance.map((i) => i.node))) {
      const gpus = twelve.per_instance.filter((i) => i.node === node).flatMap((i) => i.gpus);
      expect(new Set(gpus).size).toBe(gpus.length);
    }
    for (const i of twelve.per_instance) expect(i.gpus).toHaveLength(1);
    expect(twelve.ready_all_ms).toBeGreaterThan(0);
    expect(results.rows.map((r) => [r.instances, r.launch.count])).toEqual([
      [2, 2],
      [12, 12],
    ]);
  }, 300_000);
});
