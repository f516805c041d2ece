/**
 * `launcher: flux` on Slurm: one Flux instance across the Slurm job, started
 * as a single job step (one broker per node, bootstrapped over Slurm's PMI),
 * so that every service and task afterwards is a Flux job instead of an
 * `srun` step of its own. Flux starts tasks far faster than srun.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FlotillaError } from "../../errors.js";
import { ProcessRegistry } from "../../launch/registry.js";
import { startProcess } from "../../launch/supervisor.js";
import { FluxCli } from "../flux/flux-cli.js";
import { type FluxResources, parseR } from "../flux/resources.js";
import type { RunningProcess } from "../types.js";

/** How long the brokers may take to come up and publish the instance's URI. */
const START_TIMEOUT_MS = 120_000;
/** How long a clean `flux shutdown` may take before the step is stopped anyway. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

export interface FluxInJob {
  /** FLUX_URI of the instance (rank 0's local socket). */
  uri: string;
  /** Slurm node name → the broker rank running there. */
  ranks: Map<string, number>;
  resources: FluxResources;
  /** Stops the step; the brokers and every job in the instance end with it. */
  stop(): Promise<void>;
}

export interface FluxInJobOptions {
  srun: string;
  jobId: string;
  nodes: string[];
  /** Where the brokers leave the URI and their ranks: the session directory (on a shared filesystem). */
  dir: string;
  env: Record<string, string | undefined>;
  cwd: string;
  /** srun --mpi plugin the brokers bootstrap over (PMI-1 wire protocol); default pmi2. */
  mpi?: string;
  graceMs: number;
  signal: AbortSignal;
}

/** The step's command: each task records its node under its rank, then becomes a broker. */
export function fluxStepArgs(options: Pick<FluxInJobOptions, "jobId" | "nodes" | "mpi">, dir: string, flux: string) {
  const uriFile = join(dir, "flux-uri");
  return [
    `--jobid=${options.jobId}`,
    "--job-name=flotilla.flux",
    `--nodelist=${options.nodes.join(",")}`,
    `--nodes=${options.nodes.length}`,
    `--ntasks=${options.nodes.length}`,
    "--ntasks-per-node=1",
    // The brokers must see every core and GPU of their node; nothing else runs as a step.
    "--overlap",
    "--whole",
    `--mpi=${options.mpi ?? "pmi2"}`,
    "--kill-on-bad-exit=1",
    "--quiet",
    "sh",
    "-c",
    'echo "$SLURMD_NODENAME" > "$1/flux-rank.$SLURM_PROCID"; shift; exec "$@"',
    "flotilla-flux",
    dir,
    flux,
    "start",
    "sh",
    "-c",
    'echo "$FLUX_URI" > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep infinity',
    uriFile,
  ];
}

export async function startFluxInJob(options: FluxInJobOptions): Promise<FluxInJob> {
  const cli = new FluxCli(options.env, options.cwd);
  const uriFile = join(options.dir, "flux-uri");
  rmSync(uriFile, { force: true });
  const step: RunningProcess = startProcess(
    {
      id: "flux",
      command: [options.srun, ...fluxStepArgs(options, options.dir, cli.flux)],
      env: defined(options.env),
      stdoutPath: join(options.dir, "logs", "flux.out"),
      stderrPath: join(options.dir, "logs", "flux.err"),
    },
    {
      node: options.nodes[0] ?? "",
      graceMs: options.graceMs,
      // Not in the run's registry: its orderly teardown stops every process it
      // holds before the allocation is released, and a signalled broker leaves
      // its run directory behind on its node. `stop` below ends it cleanly
      // first; the reaper and the exit guard still know its process group.
      registry: new ProcessRegistry(),
    },
  );
  let ended = false;
  void step.exited.then(() => {
    ended = true;
  });
  let uri: string | undefined;
  const stop = async () => {
    // `flux shutdown` lets every broker end cleanly and remove its run
    // directory on its node; a signal to the step alone leaves those behind.
    if (uri !== undefined && !ended) {
      await new FluxCli({ ...options.env, FLUX_URI: uri }, options.cwd)
        .run(["shutdown", "--quiet"], { timeoutMs: SHUTDOWN_TIMEOUT_MS })
        .catch(() => undefined);
    }
    await step.stop(options.graceMs);
  };
  try {
    const until = Date.now() + START_TIMEOUT_MS;
    while (!existsSync(uriFile)) {
      if (ended)
        throw failed(`the Flux step ended before its instance came up (see ${join(options.dir, "logs", "flux.err")})`);
      if (options.signal.aborted) throw failed("aborted while the Flux instance started");
      if (Date.now() > until) throw failed(`the Flux instance did not come up within ${START_TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
    uri = readFileSync(uriFile, "utf8").trim();
    const ranks = new Map<string, number>();
    options.nodes.forEach((_, rank) => {
      const file = join(options.dir, `flux-rank.${rank}`);
      if (existsSync(file)) ranks.set(readFileSync(file, "utf8").trim(), rank);
    });
    if (ranks.size !== options.nodes.length) throw failed("not every broker recorded its node");
    const fluxEnv = { ...options.env, FLUX_URI: uri };
    const resources = parseR(await new FluxCli(fluxEnv, options.cwd).check(["resource", "R"]));
    return { uri, ranks, resources, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function failed(why: string): FlotillaError {
  return new FlotillaError("ALLOCATION_FAILED", `launcher flux: ${why}`);
}

function defined(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
