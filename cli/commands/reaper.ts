/**
 * `flotilla reaper` (hidden): started by `flotilla run` for its session;
 * stops what the engine started should the engine die without ending the
 * session (engine/reaper/reaper.ts). Not for people to run.
 */
import type { Command } from "commander";
import { runReaper } from "../../engine/index.js";
import { parseCount } from "../options.js";

export function register(program: Command): void {
  program
    .command("reaper", { hidden: true })
    .description("stop a session's processes if its engine dies (started by flotilla run)")
    .requiredOption("--session-dir <dir>", "the session directory")
    .requiredOption("--engine-pid <pid>", "the engine's pid")
    .action(async (flags: { sessionDir: string; enginePid: string }) => {
      // Own session, no terminal: hang-ups and Ctrl-C meant for the engine are not ours.
      for (const signal of ["SIGHUP", "SIGINT"] as const) process.on(signal, () => {});
      const code = await runReaper({
        sessionDir: flags.sessionDir,
        enginePid: parseCount("--engine-pid", flags.enginePid, 1),
        input: process.stdin,
        log: (line) => process.stderr.write(`${new Date().toISOString()} reaper ${process.pid}: ${line}\n`),
      });
      // Exit at once: stdin and timers must not hold a reaper whose work is done.
      process.exit(code);
    });
}
