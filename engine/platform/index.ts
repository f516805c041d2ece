import { FlotillaError } from "../errors.js";
import type { PlatformName } from "../workload/schema.js";
import { detectPlatform } from "./detect.js";
import { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform.js";
import { SlurmPlatform } from "./slurm/slurm-platform.js";
import type { Platform } from "./types.js";

export type { PlatformName };

/** Everything a platform may need from the caller; the engine never reads process.env itself. */
export type PlatformOptions = LocalPlatformOptions & {
  /** Slurm: how often squeue is asked while waiting (ms). */
  pollMs?: number;
  /** Slurm: srun --mpi plugin for MPI tasks (default: the cluster's MpiDefault). */
  mpi?: string;
};

/**
 * The platform for a name. `auto` picks slurm inside a Slurm job (SLURM_JOB_ID
 * set) and local otherwise.
 */
export function createPlatform(name: PlatformName, options: PlatformOptions): Platform {
  switch (name) {
    case "local":
      return new LocalPlatform(options);
    case "slurm":
      return new SlurmPlatform(options);
    case "auto":
      return createPlatform(detectPlatform(options.env), options);
    default: {
      const unknown: never = name;
      throw new FlotillaError("USAGE", `unknown platform ${JSON.stringify(unknown)} (use local, slurm or auto)`);
    }
  }
}
