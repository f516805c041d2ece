import { FlotillaError } from "../errors.js";
import type { Launcher, LaunchSpec, RunningProcess } from "../launch/types.js";
import { findExecutable } from "./executable.js";
import { rankCommand, rankEnv } from "./mpi-env.js";
import type { ProcessRegistry } from "./registry.js";
import { DEFAULT_GRACE_MS, startProcess } from "./supervisor.js";

export interface MpirunLauncherOptions {
  /** Node name reported for the job (the local machine). */
  node: string;
  /** PATH to find mpirun in. */
  path: string | undefined;
  cwd: string;
  /** Running as root: OpenMPI refuses unless told --allow-run-as-root. */
  asRoot: boolean;
  registry?: ProcessRegistry;
  graceMs?: number;
}

/**
 * MPI tasks on the local platform: one `mpirun -np N` (OpenMPI) whose ranks
 * each get the GPUs and cores the scheduler gave that rank (see mpi-env.ts).
 * `--oversubscribe` because the scheduler, not OpenMPI's slot count, decides
 * what fits; `--bind-to none` because cores are Flotilla's to hand out.
 */
export class MpirunLauncher implements Launcher {
  readonly #options: MpirunLauncherOptions;

  constructor(options: MpirunLauncherOptions) {
    this.#options = options;
  }

  start(spec: LaunchSpec): RunningProcess {
    const mpirun = findExecutable("mpirun", this.#options.path, this.#options.cwd);
    if (mpirun === undefined) {
      throw new FlotillaError(
        "PLATFORM_UNAVAILABLE",
        `${spec.id}: \`ranks\` needs mpirun (OpenMPI) on PATH to run on the local platform, and it is not there (install openmpi-bin, or run on slurm)`,
        { context: { id: spec.id } },
      );
    }
    const { placement, mpi: _mpi, ...rest } = spec;
    const slots = placement.slots.length > 0 ? placement.slots : [placement];
    const ranks = rankEnv(slots);
    const exports = Object.keys(ranks).flatMap((key) => ["-x", key]);
    const command = [
      mpirun,
      ...(this.#options.asRoot ? ["--allow-run-as-root"] : []),
      "--oversubscribe",
      "--bind-to",
      "none",
      "-np",
      String(slots.length),
      ...exports,
      ...rankCommand("OMPI_COMM_WORLD_RANK", spec.command),
    ];
    return startProcess(
      { ...rest, env: { ...spec.env, ...ranks }, command },
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
}
