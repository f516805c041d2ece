import { FlotillaError } from "../../errors.js";
import { placementEnv } from "../../launch/gpu-env.js";
import { rankCommand, rankEnv } from "../../launch/mpi-env.js";
import type { ProcessRegistry } from "../../launch/registry.js";
import { DEFAULT_GRACE_MS } from "../../launch/supervisor.js";
import type { Slot } from "../../resources.js";
import type { Launcher, LaunchSpec, RunningProcess } from "../types.js";
import type { FluxCli } from "./flux-cli.js";
import { startFluxJob } from "./flux-job.js";
import type { FluxJobGuard } from "./job-guard.js";
import { buildJobspec, evenLayout, taskOrder } from "./jobspec.js";
import type { FluxSubmitter } from "./submitter.js";
import { reapingCommand } from "./task-wrapper.js";

export interface FluxLauncherOptions {
  cli: FluxCli;
  guard: FluxJobGuard;
  submitter: FluxSubmitter;
  /** Flotilla's node name → the broker rank it stands for. */
  ranks: ReadonlyMap<string, number>;
  /** Flotilla's node name → the address other processes reach it at. */
  addresses: ReadonlyMap<string, string>;
  /** Whether GPU ids are Flux's own (asked for in the jobspec) or planned ones without hardware. */
  requestGpus: boolean;
  /** The platform's environment: every job gets it (Flux passes the submitter's environment). */
  env: Record<string, string | undefined>;
  cwd: string;
  registry?: ProcessRegistry;
  graceMs?: number;
}

/**
 * Launches each process as one Flux job on the node Flotilla chose (a broker
 * rank constraint) with as many cores and GPUs as the placement has, and each
 * MPI task as one job of one task per rank. Pinning variables are set by an
 * `env` prefix (or the rank script) inside the job, so the ids are the ones
 * the scheduler chose and the events report.
 */
export class FluxLauncher implements Launcher {
  readonly #options: FluxLauncherOptions;
  #jobs = 0;

  constructor(options: FluxLauncherOptions) {
    this.#options = options;
  }

  start(spec: LaunchSpec): RunningProcess {
    // `cwd` is the job's (a node-local sandbox need not exist here); `flux job attach` runs where flotilla does.
    const { placement, mpi, cwd: _cwd, ...rest } = spec;
    const rankOf = (node: string): number => {
      const rank = this.#options.ranks.get(node);
      if (rank === undefined) {
        throw new FlotillaError("INTERNAL", `${spec.id}: node ${node} is not in the Flux allocation`, {
          context: { id: spec.id, node },
        });
      }
      return rank;
    };
    let slots: Slot[] = [placement];
    let command: string[];
    let env: Record<string, string> = { ...defined(this.#options.env), ...spec.env };
    if (mpi) {
      if (placement.slots.length === 0) {
        throw new FlotillaError("INTERNAL", `${spec.id}: MPI launch without rank slots`, { context: { id: spec.id } });
      }
      if (!evenLayout(placement.slots)) {
        throw new FlotillaError(
          "PLATFORM_UNAVAILABLE",
          `${spec.id}: on Flux the ranks of an MPI task must be spread evenly over their nodes`,
          { context: { id: spec.id } },
        );
      }
      slots = taskOrder(placement.slots, rankOf);
      env = { ...env, ...rankEnv(slots) };
      command = rankCommand("FLUX_TASK_RANK", spec.command);
    } else {
      const pins = Object.entries(placementEnv(placement)).map(([key, value]) => `${key}=${value}`);
      command = ["env", ...pins, ...spec.command];
    }
    const graceMs = this.#options.graceMs ?? DEFAULT_GRACE_MS;
    const jobspec = buildJobspec(slots, {
      command: reapingCommand(graceMs, command),
      environment: env,
      cwd: spec.cwd ?? this.#options.cwd,
      name: `flotilla.${spec.id}.${++this.#jobs}`,
      rankOf,
      requestGpus: this.#options.requestGpus,
    });
    return startFluxJob({
      cli: this.#options.cli,
      guard: this.#options.guard,
      submitter: this.#options.submitter,
      jobspec,
      spec: { ...rest, command: spec.command },
      node: placement.node,
      graceMs,
      ...(this.#options.registry === undefined ? {} : { registry: this.#options.registry }),
    });
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
