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
    rejectUnknownCommandHelp(program, argv.slice(2));
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

/**
 * `flotilla NAME --help` for a NAME that is no command: commander takes the
 * --help as the program's own and prints the main help with exit 0, which
 * reads as if NAME existed. Say so and exit 2, as `flotilla NAME` does.
 * Looks only at the registered commands, so commands added later just work.
 */
function rejectUnknownCommandHelp(program: Command, args: readonly string[]): void {
  if (!args.some((arg) => arg === "--help" || arg === "-h")) return;
  const name = args.find((arg) => !arg.startsWith("-"));
  if (name === undefined || name === "help") return;
  if (program.commands.some((command) => command.name() === name || command.aliases().includes(name))) return;
  process.stderr.write(`error: unknown command '${name}'\n\n`);
  program.outputHelp({ error: true });
  throw new CommanderError(2, "flotilla.unknownCommand", `unknown command '${name}'`);
}
