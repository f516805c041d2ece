import { Command } from "commander";
import { register as registerConfig } from "./commands/config.js";
import { register as registerEndpoints } from "./commands/endpoints.js";
import { register as registerKeygen } from "./commands/keygen.js";
import { register as registerPlan } from "./commands/plan.js";
import { register as registerReaper } from "./commands/reaper.js";
import { register as registerRequest } from "./commands/request.js";
import { register as registerRun } from "./commands/run.js";
import { register as registerSelfCheck } from "./commands/self-check.js";
import { register as registerServe } from "./commands/serve.js";
import { register as registerServiceHost } from "./commands/service-host.js";
import { register as registerShow } from "./commands/show.js";
import { register as registerValidate } from "./commands/validate.js";
import { register as registerWatch } from "./commands/watch.js";
import { VERSION } from "./version.js";

/** Each command lives in cli/commands/<name>.ts and exports one `register`. */
export type RegisterCommand = (program: Command) => void;

const COMMANDS: RegisterCommand[] = [
  registerRun,
  registerWatch,
  registerShow,
  registerEndpoints,
  registerValidate,
  registerPlan,
  registerServe,
  registerRequest,
  registerKeygen,
  registerServiceHost,
  registerReaper,
  registerSelfCheck,
  registerConfig,
];

export function createProgram(): Command {
  const program = new Command("flotilla")
    .description("Run hybrid HPC + ML workflows: services on GPUs and cores, client tasks, inference dispatch.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError()
    // Throw instead of exiting, so cli/run-main.ts maps usage errors to exit 2.
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const register of COMMANDS) register(program);
  return program;
}
