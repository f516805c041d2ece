/**
 * Checks that need the whole workload (the schema sees one field at a time):
 * names, references, contradictory fields, placeholders, requests that can
 * never fit one node of the stated allocation.
 */
import { type CheckContext, dependencyProblems } from "./after.js";
import { taskInstances } from "./expand.js";
import { type Problem, suggest } from "./issues.js";
import type { AllocationSpec, ServiceSpec, TaskSpec, Workload } from "./schema.js";
import { isPlaceholder, PLACEHOLDERS, type Placeholder, placeholdersIn } from "./template.js";

const SERVICE_PLACEHOLDERS: readonly Placeholder[] = ["port", "host", "gpu_ids", "instance"];
const TASK_PLACEHOLDERS: readonly Placeholder[] = ["host", "gpu_ids", "instance", "item"];

function names(workload: Workload): Problem[] {
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  const visit = (kind: "services" | "tasks", list: { name: string }[]) => {
    list.forEach(({ name }, i) => {
      const first = seen.get(name);
      if (first)
        problems.push({ path: [kind, i, "name"], message: `duplicate name "${name}" (first used at ${first})` });
      else seen.set(name, `${kind}[${i}]`);
    });
  };
  visit("services", workload.services);
  visit("tasks", workload.tasks);
  return problems;
}

function placeholders(
  base: (string | number)[],
  command: string[] | undefined,
  env: Record<string, string>,
  allowed: readonly Placeholder[],
  why: (name: Placeholder) => string,
): Problem[] {
  const problems: Problem[] = [];
  const check = (path: (string | number)[], text: string) => {
    for (const name of placeholdersIn([text])) {
      if (!isPlaceholder(name)) {
        const hint = suggest(name, [...PLACEHOLDERS]);
        const known = PLACEHOLDERS.map((p) => `{${p}}`).join(", ");
        const tip = hint ? `did you mean {${hint}}?` : `known: ${known}; write {{ and }} for literal braces`;
        problems.push({ path, message: `unknown placeholder {${name}} (${tip})` });
      } else if (!allowed.includes(name)) {
        problems.push({ path, message: `placeholder {${name}} ${why(name)}` });
      }
    }
  };
  for (const [j, arg] of (command ?? []).entries()) check([...base, "command", j], arg);
  for (const [key, value] of Object.entries(env)) check([...base, "env", key], value);
  return problems;
}

function fitsNode(
  base: (string | number)[],
  cores: number,
  gpus: number,
  alloc: AllocationSpec,
  what: string,
): Problem[] {
  const problems: Problem[] = [];
  if (alloc.cores !== undefined && cores > alloc.cores) {
    problems.push({
      path: [...base, "cores"],
      message: `asks ${cores} cores ${what} but a node of the allocation has ${alloc.cores} (allocation.cores)`,
    });
  }
  if (alloc.gpus !== undefined && gpus > alloc.gpus) {
    problems.push({
      path: [...base, "gpus"],
      message: `asks ${gpus} GPUs ${what} but a node of the allocation has ${alloc.gpus} (allocation.gpus)`,
    });
  }
  return problems;
}

function serviceProblems(spec: ServiceSpec, i: number, workload: Workload): Problem[] {
  const base = ["services", i];
  const problems: Problem[] = [];
  const launched = spec.command !== undefined || spec.backend === "noop";
  if (spec.command === undefined && spec.backend !== "noop" && spec.endpoints === undefined) {
    problems.push({
      path: base,
      message: `service "${spec.name}" needs a command (or backend: noop, or endpoints: for remote instances)`,
    });
  }
  if (spec.ready !== undefined && spec.command === undefined) {
    problems.push({
      path: [...base, "ready"],
      message: "ready probes a launched command; this service has no command",
    });
  }
  if (spec.ready !== undefined && "log" in spec.ready) {
    try {
      new RegExp(spec.ready.log);
    } catch (error) {
      problems.push({
        path: [...base, "ready", "log"],
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  }
  problems.push(
    ...placeholders(base, spec.command, spec.env, SERVICE_PLACEHOLDERS, () => "is only for tasks with for_each"),
  );
  if (launched) problems.push(...fitsNode(base, spec.cores, spec.gpus, workload.allocation, "per instance"));
  return problems;
}

function taskProblems(spec: TaskSpec, i: number, workload: Workload, context: CheckContext): Problem[] {
  const base = ["tasks", i];
  const problems: Problem[] = [];
  const services = [...workload.services.map((s) => s.name), ...(context.services ?? [])];
  const tasks = new Set(workload.tasks.map((t) => t.name));
  const reference = (path: (string | number)[], name: string) => {
    if (services.includes(name)) return;
    const hint = suggest(name, services);
    const what = tasks.has(name) ? `"${name}" is a task, not a service` : `unknown service "${name}"`;
    problems.push({ path, message: hint ? `${what}; did you mean "${hint}"?` : what });
  };
  for (const [j, name] of spec.uses.entries()) reference([...base, "uses", j], name);
  if (spec.service !== undefined) reference([...base, "service"], spec.service);
  if (spec.count !== undefined && spec.for_each !== undefined) {
    problems.push({ path: [...base, "for_each"], message: "give count or for_each, not both" });
  }
  if (spec.command === undefined && spec.service === undefined) {
    problems.push({
      path: base,
      message: `task "${spec.name}" needs a command (or service: and requests: for an inference task)`,
    });
  }
  if (spec.service !== undefined && spec.requests === undefined) {
    problems.push({
      path: [...base, "service"],
      message: "an inference task needs requests: (a file with one request per line)",
    });
  }
  if (spec.requests !== undefined && spec.service === undefined) {
    problems.push({ path: [...base, "requests"], message: "requests are sent to a service; add service: NAME" });
  }
  const allowed = spec.for_each === undefined ? TASK_PLACEHOLDERS.filter((p) => p !== "item") : TASK_PLACEHOLDERS;
  const why = (name: Placeholder) =>
    name === "port" ? "is only for services (Flotilla picks no port for a task)" : "needs for_each on this task";
  problems.push(...placeholders(base, spec.command, spec.env, allowed, why));
  if (spec.for_each !== undefined) {
    const ids = new Map<string, string>();
    taskInstances(spec).forEach((instance, j) => {
      const other = ids.get(instance.id);
      if (other !== undefined) {
        problems.push({
          path: [...base, "for_each", j],
          message: `items "${other}" and "${instance.item}" both give the id ${instance.id}`,
        });
      } else ids.set(instance.id, instance.item ?? "");
    });
  }
  problems.push(...fitsNode(base, spec.cores, spec.gpus, workload.allocation, spec.ranks ? "per rank" : "per process"));
  return problems;
}

/** `context`: what a submission to a running session may also refer to (its services and tasks). */
export function semanticProblems(workload: Workload, context: CheckContext = {}): Problem[] {
  return [
    ...names(workload),
    ...workload.services.flatMap((spec, i) => serviceProblems(spec, i, workload)),
    ...workload.tasks.flatMap((spec, i) => taskProblems(spec, i, workload, context)),
    ...dependencyProblems(workload, context),
  ];
}
