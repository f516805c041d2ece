import { type Command, CommanderError } from "commander";
import { EXIT_CODES, exitCodeFor, isFlotillaError } from "../engine/host.js";

/**
 * Runs the CLI and turns every way it can end into an exit code (docs/cli.md):
 * a FlotillaError maps through `exitCodeFor`, a commander usage error is 2,
 * anything else is a bug and exits 1 with its stack. A command that finishes
 * normally may set `process.exitCode` itself (e.g. 1 when a task failed).
 */
export async function runMain(argv: readonly string[], program: Command): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_CODES.ok;
  } catch (error) {
    // Commander has already printed its message (or the help/version text).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    if (isFlotillaError(error)) {
      process.stderr.write(`flotilla: ${error.message}\n`);
      return exitCodeFor(error.code);
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`flotilla: internal error: ${detail}\n`);
    return EXIT_CODES.taskFailed;
  }
}
