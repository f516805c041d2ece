import { Command } from "commander";
import { VERSION } from "./version.js";

/** The program's name, version and error handling, shared by the whole CLI and the service host's own. */
export function baseProgram(): Command {
  return (
    new Command("flotilla")
      .description("Run hybrid HPC + ML workflows: services on GPUs and cores, client tasks, inference dispatch.")
      .version(VERSION, "-V, --version")
      .showHelpAfterError()
      // Throw instead of exiting, so cli/run-main.ts maps usage errors to exit 2.
      .exitOverride()
      .configureOutput({ writeErr: (text) => process.stderr.write(text) })
  );
}
