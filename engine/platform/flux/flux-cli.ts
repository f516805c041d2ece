import { execa } from "execa";
import { FlotillaError } from "../../errors.js";
import { findExecutable } from "../../launch/executable.js";

export interface FluxResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `flux` command with the caller's environment: FLUX_URI there says
 * which instance it talks to (the engine never reads process.env itself).
 */
export class FluxCli {
  readonly #env: Record<string, string | undefined>;
  readonly #cwd: string;
  #flux: string | undefined;

  constructor(env: Record<string, string | undefined>, cwd: string) {
    this.#env = env;
    this.#cwd = cwd;
  }

  /** Absolute path of `flux`; PLATFORM_UNAVAILABLE when it is not on PATH. */
  get flux(): string {
    if (this.#flux !== undefined) return this.#flux;
    const found = findExecutable("flux", this.#env.PATH, this.#cwd);
    if (found === undefined) {
      throw new FlotillaError(
        "PLATFORM_UNAVAILABLE",
        "the flux platform needs `flux` on PATH, and it is not there (is this a Flux system?)",
        { context: { tool: "flux" } },
      );
    }
    this.#flux = found;
    return found;
  }

  get env(): Record<string, string | undefined> {
    return this.#env;
  }

  get cwd(): string {
    return this.#cwd;
  }

  async run(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<FluxResult> {
    const result = await execa(this.flux, args, {
      env: this.#env,
      extendEnv: false,
      cwd: this.#cwd,
      reject: false,
      timeout: options.timeoutMs ?? 60_000,
      ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    });
    return {
      exitCode: typeof result.exitCode === "number" ? result.exitCode : undefined,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr.trim() : "",
    };
  }

  /** Runs `flux ARGS` and returns its stdout; ALLOCATION_FAILED (with Flux's own message) when it fails. */
  async check(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.exitCode !== 0) {
      const why = result.stderr || `exit ${result.exitCode ?? "(killed)"}`;
      throw new FlotillaError("ALLOCATION_FAILED", `flux ${args[0] ?? ""} failed: ${why}`, {
        context: { tool: "flux", args, exitCode: result.exitCode },
      });
    }
    return result.stdout;
  }
}
