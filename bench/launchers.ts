/**
 * Benchmark: how many short tasks per second each launcher starts and sees
 * finish, side by side in one run: `/bin/true` through Flotilla's launchers
 * (the same `Launcher.start` → `exited` the engine uses) on
 *
 *   - local: fork on this machine;
 *   - flux: Flux jobs inside a Flux instance (`flux start --test-size=4`,
 *     started here from the test setup's build or PATH);
 *   - slurm: `srun` job steps in a holder job of the Slurm cluster that
 *     SLURM_CONF names (skipped when it is not set);
 *   - slurm+flux: the same holder job with `launcher: flux` (a Flux instance
 *     started across the job, tasks as its jobs).
 *
 *   npx tsx bench/launchers.ts [--tasks 300] [--concurrency 16] [--runs 3] [--only local,flux,slurm]
 *
 * Published reference points (Frontier, the research runtime): Flux 930
 * tasks/s, srun 152 tasks/s.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { ProcessRegistry } from "../engine/launch/registry.js";
import { FluxPlatform } from "../engine/platform/flux/index.js";
import { LocalPlatform } from "../engine/platform/local/local-platform.js";
import { SlurmPlatform } from "../engine/platform/slurm/index.js";
import type { Allocation, AllocationRequest, Launcher, Platform } from "../engine/platform/types.js";
import { findFlux, startInstance, stopInstance } from "./harness/flux-instance.js";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "300" },
    concurrency: { type: "string", default: "16" },
    runs: { type: "string", default: "3" },
    only: { type: "string", default: "local,flux,slurm" },
  },
});
const TASKS = Math.min(5_000, Math.max(1, Number(values.tasks)));
const CONCURRENCY = Math.min(128, Math.max(1, Number(values.concurrency)));
const RUNS = Math.min(10, Math.max(1, Number(values.runs)));
const ONLY = new Set(values.only.split(","));
const PUBLISHED: Record<string, number> = { flux: 930, "slurm+flux": 930, slurm: 152 };

/** Runs TASKS `/bin/true` with CONCURRENCY in flight, round-robin over the nodes; tasks per second. */
async function rate(launcher: Launcher, allocation: Allocation, dir: string, run: number): Promise<number> {
  const nodes = allocation.nodes;
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < TASKS) {
      const i = next++;
      const node = nodes[i % nodes.length];
      if (!node) throw new Error("allocation without nodes");
      const slot = { node: node.name, cores: node.cores.slice(0, 1), gpus: [] };
      const record = await launcher.start({
        id: `t.${run}.${i}`,
        placement: { ...slot, slots: [slot] },
        command: ["/bin/true"],
        env: {},
        stdoutPath: join(dir, "logs", `t.${run}.${i}.out`),
        stderrPath: join(dir, "logs", `t.${run}.${i}.err`),
      }).exited;
      if (record.failed) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (failures > 0) throw new Error(`${failures} of ${TASKS} tasks failed`);
  return TASKS / seconds;
}

async function measure(name: string, platform: Platform, request: AllocationRequest, dir: string) {
  const allocation = await platform.acquire(request, new AbortController().signal, () => {});
  try {
    const launcher = platform.launcher(allocation);
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) rates.push(await rate(launcher, allocation, dir, run));
    const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)] ?? 0;
    const published = PUBLISHED[name];
    const ratio = published === undefined ? "" : `${(median / published).toFixed(2)}x of published ${published}`;
    console.log(
      `${name.padEnd(10)} ${median.toFixed(0).padStart(6)} tasks/s  (runs: ${rates.map((r) => r.toFixed(0)).join(", ")})  ${ratio}`,
    );
  } finally {
    await allocation.release();
  }
}

/**
 * Flux's own rate on this machine in the same instance: one bulk submission of
 * TASKS copies (`flux submit --cc`) waited for together, no Flotilla code.
 */
function fluxBaseline(env: Record<string, string | undefined>): void {
  const started = performance.now();
  const result = spawnSync("flux", ["submit", "--quiet", "--wait", `--cc=1-${TASKS}`, "/bin/true"], {
    env: env as NodeJS.ProcessEnv,
    stdio: "inherit",
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`flux submit --cc failed: ${result.status ?? result.signal}`);
  const perSecond = TASKS / ((performance.now() - started) / 1000);
  console.log(
    `${"flux --cc".padEnd(10)} ${perSecond.toFixed(0).padStart(6)} tasks/s  (Flux alone: one bulk submission)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), "flotilla-bench-launchers-"));
const request = (nodes: number, sessionDir: string): AllocationRequest => ({
  nodes,
  cores: 2,
  extraArgs: [],
  jobName: "flotilla-bench",
  sessionDir,
  walltimeMs: 600_000,
});
try {
  console.log(`tasks ${TASKS} of /bin/true, concurrency ${CONCURRENCY}, runs ${RUNS} (median)`);
  const registry = new ProcessRegistry();
  if (ONLY.has("local")) {
    await measure("local", new LocalPlatform({ env: process.env, registry, pinCores: false }), request(1, dir), dir);
  }
  if (ONLY.has("flux")) {
    const bin = findFlux();
    if (bin === undefined) console.log("flux      skipped: no Flux (test/setup/flux.sh builds it)");
    else {
      const instance = await startInstance(bin, dir);
      try {
        const env = { ...process.env, FLUX_URI: instance.uri, PATH: `${bin}:${process.env.PATH ?? ""}` };
        await measure("flux", new FluxPlatform({ env, registry }), request(4, dir), dir);
        fluxBaseline(env);
      } finally {
        await stopInstance(instance.child);
      }
    }
  }
  if (ONLY.has("slurm")) {
    if (process.env.SLURM_CONF === undefined) console.log("slurm     skipped: SLURM_CONF is not set");
    else {
      await measure("slurm", new SlurmPlatform({ env: process.env, registry, pollMs: 200 }), request(4, dir), dir);
      const bin = findFlux();
      if (bin === undefined) console.log("slurm+flux skipped: no Flux");
      else {
        const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
        const platform = new SlurmPlatform({ env, registry, pollMs: 200, launcher: "flux" });
        await measure("slurm+flux", platform, request(4, dir), dir);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
