import { FlotillaError } from "../errors.js";
import type { Launcher, LaunchSpec, RunningProcess } from "../launch/types.js";
import { findExecutable } from "./executable.js";
import { placementEnv } from "./gpu-env.js";
import type { ProcessRegistry } from "./registry.js";
import { DEFAULT_GRACE_MS, startProcess } from "./supervisor.js";

export interface ForkLauncherOptions {
  /** Node name of the local machine (RunningProcess.node). */
  node: string;
  /** The host's PATH, to find `taskset` and the commands to pin. */
  path: string | undefined;
  /** Directory relative commands and `cwd`-less specs run in. */
  cwd: string;
  /**
   * Pin each process to its cores with `taskset -c`. Only takes effect when
   * `taskset` is on PATH and `realCores` holds every core id of the allocation.
   */
  pinCores: boolean;
  /** Core ids this process may really run on (its affinity list); undefined when unknown. */
  realCores: ReadonlySet<number> | undefined;
  /** Every core id the allocation hands out on this node. */
  allocationCores: readonly number[];
  registry?: ProcessRegistry;
  graceMs?: number;
  /** Runs `mpi: true` specs; without one they are refused. */
  mpi?: Launcher;
}

/**
 * Starts processes on the local machine as children of this one. GPU pinning
 * comes from the placement (it overrides any such variable in the spec's env,
 * so two things never see the same GPU). Core pinning is all-or-nothing per
 * allocation: when `--cores` asks for more cores than exist, ids no longer name
 * real CPUs and pinning some processes but not others would be worse than none.
 */
export class ForkLauncher implements Launcher {
  readonly #options: ForkLauncherOptions;
  readonly #taskset: string | undefined;

  constructor(options: ForkLauncherOptions) {
    this.#options = options;
    const real = options.realCores;
    const pinnable = real !== undefined && options.allocationCores.every((core) => real.has(core));
    this.#taskset = options.pinCores && pinnable ? findExecutable("taskset", options.path, options.cwd) : undefined;
  }

  /** Whether started processes are pinned to their cores. */
  get pinsCores(): boolean {
    return this.#taskset !== undefined;
  }

  start(spec: LaunchSpec): RunningProcess {
    if (spec.mpi) {
      if (this.#options.mpi) return this.#options.mpi.start(spec);
      throw new FlotillaError("PLATFORM_UNAVAILABLE", `${spec.id}: MPI launch needs an MPI launcher (mpirun or srun)`, {
        context: { id: spec.id },
      });
    }
    const { placement, mpi: _mpi, ...rest } = spec;
    const env = { ...spec.env, ...placementEnv(placement) };
    return startProcess(
      { ...rest, env, command: this.#pinned(spec.command, placement.cores, spec) },
      {
        node: this.#options.node,
        graceMs: this.#options.graceMs ?? DEFAULT_GRACE_MS,
        ...(this.#options.registry === undefined ? {} : { registry: this.#options.registry }),
      },
    );
  }

  hostOf(_node: string): string {
    return "127.0.0.1";
  }

  #pinned(command: string[], cores: readonly number[], spec: LaunchSpec): string[] {
    const [file] = command;
    if (this.#taskset === undefined || cores.length === 0 || file === undefined) return command;
    // taskset execs the command (same pid), but a missing command would turn into
    // taskset's exit 127 instead of a spawn error: only wrap what exists.
    const path = spec.env.PATH ?? this.#options.path;
    if (findExecutable(file, path, spec.cwd ?? this.#options.cwd) === undefined) return command;
    return [this.#taskset, "-c", cores.join(","), ...command];
  }
}
