/**
 * Checks that need the whole workload (the schema sees one field at a time):
 * names, references, contradictory fields, placeholders, requests that can
 * never fit one node of the stated allocation.
 */
import { type CheckContext, dependencyProblems } from "./after.js";
import { launchedReplicas, taskInstances } from "./expand.js";
import { type Problem, suggest } from "./issues.js";
import { clip } from "./limits.js";
import type { AllocationSpec, ServiceSpec, TaskSpec, Workload } from "./schema.js";
import { nodeLocalProblems, processlessStaging, serviceStagingProblems, stagingProblems } from "./staging-checks.js";
import { isPlaceholder, PLACEHOLDERS, type Placeholder, placeholdersIn } from "./template.js";
import { totalsProblems } from "./totals.js";

const SERVICE_PLACEHOLDERS: readonly Placeholder[] = ["port", "host", "gpu_ids", "instance", "node"];
const TASK_PLACEHOLDERS: readonly Placeholder[] = ["host", "gpu_ids", "instance", "item", "node"];

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
        problems.push({ path, message: `unknown placeholder {${clip(name)}} (${tip})` });
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

/** Autoscaled instances are started and drained by the engine, and only the dispatcher measures their load. */
function autoscaleProblems(spec: ServiceSpec, base: (string | number)[]): Problem[] {
  const problems: Problem[] = [];
  if (spec.replicas !== undefined) {
    problems.push({
      path: [...base, "replicas"],
      message: "give replicas (a fixed count) or autoscale (min to max), not both",
    });
  }
  if (spec.backend === undefined) {
    problems.push({
      path: [...base, "autoscale"],
      message:
        "needs a backend: the load is measured on requests that go through Flotilla (backend: openai, noop or stdio)",
    });
  }
  if (spec.endpoints !== undefined) {
    problems.push({
      path: [...base, "endpoints"],
      message: "an autoscaled service cannot list endpoints: remote instances are not started or stopped by Flotilla",
    });
  }
  return problems;
}

function serviceProblems(spec: ServiceSpec, i: number, workload: Workload): Problem[] {
  const base = ["services", i];
  const problems: Problem[] = [];
  const replicas = launchedReplicas(spec);
  const launched = replicas > 0;
  if (spec.command === undefined && spec.backend !== "noop" && spec.endpoints === undefined) {
    problems.push({
      path: base,
      message: `service "${spec.name}" needs a command (or backend: noop, or endpoints: for remote instances)`,
    });
  } else if (launched && spec.command === undefined && spec.backend !== "noop") {
    problems.push({
      path: [...base, "replicas"],
      message: `${replicas} replicas to launch need a command (or backend: noop); without replicas: only the endpoints are used`,
    });
  }
  if (spec.autoscale !== undefined) problems.push(...autoscaleProblems(spec, base));
  if (!launched && spec.endpoints === undefined) {
    problems.push({ path: [...base, "replicas"], message: "replicas: 0 launches nothing, and there are no endpoints" });
  }
  if (!launched && spec.endpoints !== undefined && spec.command !== undefined) {
    problems.push({
      path: [...base, "command"],
      message: "is never launched: a service with endpoints launches only the replicas: it is given (add replicas: N)",
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
        message: `not a valid regular expression: ${clip((error as Error).message, 200)}`,
      });
    }
  }
  problems.push(
    ...placeholders(base, spec.command, spec.env, SERVICE_PLACEHOLDERS, () => "is only for tasks with for_each"),
  );
  if (launched) problems.push(...fitsNode(base, spec.cores, spec.gpus, workload.allocation, "per instance"));
  problems.push(...serviceStagingProblems(i, spec));
  return problems;
}

/** Built once per workload: per-task lookups must not rebuild them (100,000 tasks would make that quadratic). */
interface Names {
  services: string[];
  serviceSet: ReadonlySet<string>;
  tasks: ReadonlySet<string>;
}

function taskProblems(spec: TaskSpec, i: number, workload: Workload, known: Names): Problem[] {
  const base = ["tasks", i];
  const problems: Problem[] = [];
  const reference = (path: (string | number)[], name: string) => {
    if (known.serviceSet.has(name)) return;
    const hint = suggest(name, known.services);
    const what = known.tasks.has(name) ? `"${name}" is a task, not a service` : `unknown service "${name}"`;
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
  const staged: readonly Placeholder[] =
    spec.for_each === undefined ? ["instance", "node"] : ["item", "instance", "node"];
  problems.push(...stagingProblems(base, spec, staged), ...processlessStaging(base, spec));
  return problems;
}

/**
 * Every problem, or the first `limit` and then some: checking stops once `limit` is reached.
 * `context`: what a submission to a running session may also refer to (its services and tasks).
 */
export function semanticProblems(
  workload: Workload,
  context: CheckContext = {},
  limit = Number.POSITIVE_INFINITY,
): Problem[] {
  // Totals first and alone: past them, the per-task checks would walk a billion of nothing useful.
  const totals = totalsProblems(workload);
  if (totals.length > 0) return totals;
  const services = [...workload.services.map((s) => s.name), ...(context.services ?? [])];
  const known: Names = { services, serviceSet: new Set(services), tasks: new Set(workload.tasks.map((t) => t.name)) };
  const problems = [...names(workload), ...nodeLocalProblems(workload.allocation)];
  // push in loops, not spread: spreading 100,000 arrays into one call can overflow the stack.
  for (const [i, spec] of workload.services.entries()) {
    if (problems.length >= limit) return problems;
    for (const p of serviceProblems(spec, i, workload)) problems.push(p);
  }
  for (const [i, spec] of workload.tasks.entries()) {
    if (problems.length >= limit) return problems;
    for (const p of taskProblems(spec, i, workload, known)) problems.push(p);
  }
  if (problems.length >= limit) return problems;
  for (const p of dependencyProblems(workload, context)) problems.push(p);
  return problems;
}
