import { execa } from "execa";
import { FlotillaError } from "../../errors.js";
import { findExecutable } from "../../launch/executable.js";

export type SlurmTool = "sbatch" | "squeue" | "scancel" | "srun" | "sinfo";

export interface SlurmResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs Slurm's client commands with the caller's environment (SLURM_CONF and
 * friends come from there; the engine never reads process.env itself).
 */
export class SlurmCli {
  readonly #env: Record<string, string | undefined>;
  readonly #cwd: string;
  readonly #paths = new Map<SlurmTool, string>();

  constructor(env: Record<string, string | undefined>, cwd: string) {
    this.#env = env;
    this.#cwd = cwd;
  }

  /** Absolute path of a tool; PLATFORM_UNAVAILABLE when it is not on PATH. */
  path(tool: SlurmTool): string {
    const known = this.#paths.get(tool);
    if (known) return known;
    const found = findExecutable(tool, this.#env.PATH, this.#cwd);
    if (found === undefined) {
      throw new FlotillaError(
        "PLATFORM_UNAVAILABLE",
        `the slurm platform needs \`${tool}\` on PATH, and it is not there (is this a Slurm login node?)`,
        { context: { tool } },
      );
    }
    this.#paths.set(tool, found);
    return found;
  }

  get env(): Record<string, string | undefined> {
    return this.#env;
  }

  async run(tool: SlurmTool, args: string[], timeoutMs = 60_000): Promise<SlurmResult> {
    const result = await execa(this.path(tool), args, {
      env: this.#env,
      extendEnv: false,
      cwd: this.#cwd,
      reject: false,
      stdin: "ignore",
      timeout: timeoutMs,
    });
    return {
      exitCode: typeof result.exitCode === "number" ? result.exitCode : undefined,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr.trim() : "",
    };
  }

  /** Runs a tool and returns its stdout; ALLOCATION_FAILED (with Slurm's own message) when it fails. */
  async check(tool: SlurmTool, args: string[], timeoutMs?: number): Promise<string> {
    const result = await this.run(tool, args, timeoutMs);
    if (result.exitCode !== 0) {
      const why = result.stderr || `exit ${result.exitCode ?? "(killed)"}`;
      throw new FlotillaError("ALLOCATION_FAILED", `${tool} failed: ${why}`, {
        context: { tool, args, exitCode: result.exitCode },
      });
    }
    return result.stdout;
  }
}
