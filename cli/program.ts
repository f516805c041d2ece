import { Command } from "commander";
import { VERSION } from "./version.js";

/** Each command lives in cli/commands/<name>.ts and exports one `register`. */
export type RegisterCommand = (program: Command) => void;

const COMMANDS: RegisterCommand[] = [];

export function createProgram(): Command {
  const program = new Command("flotilla")
    .description("Run hybrid HPC + ML workflows: services on GPUs and cores, client tasks, inference dispatch.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const register of COMMANDS) register(program);
  return program;
}
