/**
 * The program of `flotilla service-host` alone (cli/main.ts picks it by the
 * first argument): the same command, flags and output as in the whole
 * program, without loading the other commands.
 */
import type { Command } from "commander";
import { register } from "./commands/service-host.js";
import { baseProgram } from "./program-base.js";

export function createHostProgram(): Command {
  const program = baseProgram();
  register(program);
  return program;
}
