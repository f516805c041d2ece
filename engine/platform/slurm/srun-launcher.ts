import { dirname, join } from "node:path";
import { FlotillaError } from "../../errors.js";
import { placementEnv } from "../../launch/gpu-env.js";
import { rankCommand, rankEnv } from "../../launch/mpi-env.js";
import { announce } from "../../launch/reaper-messages.js";
import type { ProcessRegistry } from "../../launch/registry.js";
import { DEFAULT_GRACE_MS, startProcess } from "../../launch/supervisor.js";
import type { Launcher, LaunchSpec, RunningProcess } from "../../launch/types.js";
import { mkdirPrivate, writePrivateFileSync } from "../../session/private-fs.js";
import { hostFile, mpiStepArgs, stepArgs } from "./commands.js";

export interface SrunLauncherOptions {
  jobId: string;
  /** Absolute path of srun. */
  srun: string;
  /** Node name → address other processes reach it at (Slurm's NodeAddr). */
  addresses: ReadonlyMap<string, string>;
  /** The platform's environment (SLURM_CONF, PATH): srun and the steps inherit it. */
  env: Record<string, string | undefined>;
  /** srun --mpi plugin for MPI steps; undefined = the cluster's MpiDefault. */
  mpi?: string;
  registry?: ProcessRegistry;
  graceMs?: number;
  /**
   * Set when the job is not Flotilla's (it runs inside a batch job): should the
   * engine die, its reaper cancels these steps one by one, not the job.
   */
  foreignJob?: { scancel: string; squeue: string };
}

/**
 * Launches each process as a job step of the allocation (`srun --jobid`),
 * supervised like a local child: srun is the process Flotilla watches, and
 * stopping it makes srun cancel the step on its node (SIGTERM, then Slurm's
 * kill). Pinning variables are set by an `env` prefix inside the step,
 * because Slurm rewrites CUDA_VISIBLE_DEVICES in the step's environment and
 * the ids must be the ones the scheduler chose and the events report.
 */
export class SrunLauncher implements Launcher {
  readonly #options: SrunLauncherOptions;
  #steps = 0;

  constructor(options: SrunLauncherOptions) {
    this.#options = options;
  }

  start(spec: LaunchSpec): RunningProcess {
    // The step runs in `cwd` on its node (a node-local sandbox need not exist here); srun itself runs where flotilla does.
    const { placement, mpi, cwd, ...rest } = spec;
    const chdir = cwd === undefined ? [] : [`--chdir=${cwd}`];
    const name = `flotilla.${spec.id}.${++this.#steps}`;
    const { jobId, srun } = this.#options;
    let command: string[];
    let env: Record<string, string> = { ...defined(this.#options.env), ...spec.env };
    if (mpi) {
      if (placement.slots.length === 0) {
        throw new FlotillaError("INTERNAL", `${spec.id}: MPI launch without rank slots`, { context: { id: spec.id } });
      }
      const hosts = join(dirname(spec.stdoutPath), `${spec.id}.hosts`);
      mkdirPrivate(dirname(hosts));
      writePrivateFileSync(hosts, hostFile(placement.slots));
      env = { ...env, ...rankEnv(placement.slots), SLURM_HOSTFILE: hosts };
      command = [
        srun,
        ...mpiStepArgs(jobId, placement.slots, name, this.#options.mpi),
        ...chdir,
        ...rankCommand("SLURM_PROCID", spec.command),
      ];
    } else {
      const pins = Object.entries(placementEnv(placement)).map(([key, value]) => `${key}=${value}`);
      command = [srun, ...stepArgs(jobId, placement, name), ...chdir, "env", ...pins, ...spec.command];
    }
    const running = startProcess(
      { ...rest, env, command },
      {
        node: placement.node,
        graceMs: this.#options.graceMs ?? DEFAULT_GRACE_MS,
        ...(this.#options.registry === undefined ? {} : { registry: this.#options.registry }),
      },
    );
    const foreign = this.#options.foreignJob;
    if (foreign !== undefined) {
      announce({ t: "step", job: jobId, name, ...foreign });
      void running.exited.then(() => announce({ t: "unstep", job: jobId, name }));
    }
    return running;
  }

  hostOf(node: string): string {
    return this.#options.addresses.get(node) ?? node;
  }
}

function defined(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
