import { FlotillaError } from "../errors.js";
import { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform.js";
import type { Platform } from "./types.js";

export type PlatformName = "local" | "slurm" | "auto";

export const PLATFORM_NAMES: readonly PlatformName[] = ["local", "slurm", "auto"];

/** Everything a platform may need from the caller; the engine never reads process.env itself. */
export type PlatformOptions = LocalPlatformOptions;

/**
 * The platform for a name. `auto` picks slurm inside a Slurm job (SLURM_JOB_ID
 * set) and local otherwise.
 */
export function createPlatform(name: PlatformName, options: PlatformOptions): Platform {
  switch (name) {
    case "local":
      return new LocalPlatform(options);
    case "slurm":
      throw new FlotillaError("PLATFORM_UNAVAILABLE", "the slurm platform is not available in this build", {
        context: { platform: name },
      });
    case "auto":
      return createPlatform(options.env.SLURM_JOB_ID === undefined ? "local" : "slurm", options);
    default: {
      const unknown: never = name;
      throw new FlotillaError("USAGE", `unknown platform ${JSON.stringify(unknown)} (use local, slurm or auto)`);
    }
  }
}
