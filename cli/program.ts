import type { Command } from "commander";
import { register as registerBench } from "./commands/bench.js";
import { register as registerCancel } from "./commands/cancel.js";
import { register as registerConfig } from "./commands/config.js";
import { register as registerDown } from "./commands/down.js";
import { register as registerEndpoints } from "./commands/endpoints.js";
import { register as registerKeygen } from "./commands/keygen.js";
import { register as registerPlan } from "./commands/plan.js";
import { register as registerReaper } from "./commands/reaper.js";
import { register as registerReport } from "./commands/report.js";
import { register as registerRequest } from "./commands/request.js";
import { register as registerRun } from "./commands/run.js";
import { register as registerScale } from "./commands/scale.js";
import { register as registerSelfCheck } from "./commands/self-check.js";
import { register as registerServe } from "./commands/serve.js";
import { register as registerServiceHost } from "./commands/service-host.js";
import { register as registerShow } from "./commands/show.js";
import { register as registerStatus } from "./commands/status.js";
import { register as registerSubmit } from "./commands/submit.js";
import { register as registerUp } from "./commands/up.js";
import { register as registerValidate } from "./commands/validate.js";
import { register as registerWait } from "./commands/wait.js";
import { register as registerWatch } from "./commands/watch.js";
import { baseProgram } from "./program-base.js";

/** Each command lives in cli/commands/<name>.ts and exports one `register`. */
export type RegisterCommand = (program: Command) => void;

const COMMANDS: RegisterCommand[] = [
  registerRun,
  registerUp,
  registerSubmit,
  registerWait,
  registerStatus,
  registerCancel,
  registerDown,
  registerScale,
  registerWatch,
  registerShow,
  registerEndpoints,
  registerValidate,
  registerPlan,
  registerServe,
  registerRequest,
  registerKeygen,
  registerBench,
  registerReport,
  registerServiceHost,
  registerReaper,
  registerSelfCheck,
  registerConfig,
];

export function createProgram(): Command {
  const program = baseProgram();
  for (const register of COMMANDS) register(program);
  return program;
}
