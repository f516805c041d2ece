/**
 * What a task instance's process sees: its command and env with the
 * placeholders filled in, FLOTILLA_TASK_ID, FLOTILLA_SESSION_DIR, and for every service it `uses`
 * FLOTILLA_SERVICE_<NAME>_URLS (plus what the request path adds: the HTTP
 * front's URL and token as OpenAI client variables).
 */
import type { Placement } from "../resources.js";
import { serviceUrlsVariable } from "../service/endpoints.js";
import { freePort } from "../service/port.js";
import type { TaskInstance } from "../workload/expand.js";
import type { TaskSpec } from "../workload/schema.js";
import { placeholdersIn, renderArgs, renderEnv, type TemplateVars } from "../workload/template.js";

export interface TaskEnvSources {
  urls(service: string): string[];
  serviceEnv?: ((service: string) => Record<string, string>) | undefined;
  /** The session directory, for FLOTILLA_SESSION_DIR (its endpoints.json lists the instances ready now). */
  sessionDir?: string | undefined;
}

const usesPort = new WeakMap<TaskSpec, boolean>();

/** Whether the task's command or env mentions {port} (then it gets a free port picked for it). */
export function needsPort(spec: TaskSpec): boolean {
  let known = usesPort.get(spec);
  if (known === undefined) {
    known = placeholdersIn([...(spec.command ?? []), ...Object.values(spec.env)]).includes("port");
    usesPort.set(spec, known);
  }
  return known;
}

/** A free port when the task's command or env needs one. */
export function portFor(unit: TaskInstance): Promise<number> | undefined {
  return needsPort(unit.spec) ? freePort() : undefined;
}

export function taskVars(unit: TaskInstance, placement: Placement, host: string, port?: number): TemplateVars {
  return {
    host,
    node: placement.node,
    gpu_ids: placement.gpus,
    instance: unit.index,
    ...(unit.item === undefined ? {} : { item: unit.item }),
    ...(port === undefined ? {} : { port }),
  };
}

export function taskCommand(unit: TaskInstance, vars: TemplateVars): string[] {
  return renderArgs(unit.spec.command ?? [], vars);
}

export function taskEnvironment(
  unit: TaskInstance,
  vars: TemplateVars,
  sources: TaskEnvSources,
): Record<string, string> {
  const env = renderEnv(unit.spec.env, vars);
  env.FLOTILLA_TASK_ID = unit.id;
  if (sources.sessionDir !== undefined) env.FLOTILLA_SESSION_DIR = sources.sessionDir;
  const ownClient = OPENAI_CLIENT.some((key) => key in env);
  for (const service of unit.spec.uses) {
    env[serviceUrlsVariable(service)] = sources.urls(service).join(",");
    const extra = { ...sources.serviceEnv?.(service) };
    // The OpenAI client variables name one server with its key: the first service in `uses`
    // gets them, and none is given when the task's own env names a server (the front's
    // token must not go to another one).
    if (ownClient || OPENAI_CLIENT.some((key) => key in env)) for (const key of OPENAI_CLIENT) delete extra[key];
    Object.assign(env, extra);
  }
  return env;
}

const OPENAI_CLIENT = ["OPENAI_BASE_URL", "OPENAI_API_KEY", "FLOTILLA_FRONT_TOKEN_FILE"] as const;
