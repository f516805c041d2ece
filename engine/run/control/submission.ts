/**
 * Turns a submission (a workload file's text with `tasks:`) into task
 * instances a running session can add: validated exactly like `flotilla
 * validate` (file, line and field in every problem), checked against the
 * allocation, with names the session already has renamed `NAME-N` (N the
 * submission's number) so every id stays unique. Throws and accepts nothing
 * when anything is wrong.
 */
import { isAbsolute, join, resolve } from "node:path";
import { FlotillaError } from "../../errors.js";
import type { NodeResources } from "../../platform/types.js";
import { checkFits } from "../../scheduler/fits.js";
import { type TaskInstance, taskInstances } from "../../workload/expand.js";
import { invalidWorkload, parseWorkload } from "../../workload/load.js";
import type { ServiceSpec, TaskSpec } from "../../workload/schema.js";

export interface SubmissionContext {
  number: number;
  text: string;
  source: string;
  /** Directory relative paths resolve against (the submitter's working directory). */
  dir: string;
  services: readonly string[];
  hasTask(ref: string): boolean;
  nodes: readonly NodeResources[];
}

export interface Submission {
  /** Services to add to the session (placed and started before its tasks can use them). */
  services: ServiceSpec[];
  units: TaskInstance[];
  renamed: Record<string, string>;
}

export function prepareSubmission(context: SubmissionContext): Submission {
  const file = isAbsolute(context.source) ? context.source : join(context.dir, context.source);
  const loaded = parseWorkload(context.text, context.source, file, {
    services: context.services,
    hasTask: context.hasTask,
  });
  const { workload } = loaded;
  const clashes = workload.services
    .map((service, i) => ({ service, i }))
    .filter(({ service }) => context.services.includes(service.name) || context.hasTask(service.name));
  if (clashes.length > 0) {
    throw invalidWorkload(
      context.source,
      clashes.map(({ service, i }) => ({
        file: context.source,
        ...(loaded.locate(["services", i, "name"]) ?? {}),
        path: `services[${i}].name`,
        message: `the session already has a service or task named "${service.name}" (flotilla scale changes its replicas)`,
      })),
    );
  }
  if (workload.tasks.length === 0 && workload.services.length === 0) {
    throw new FlotillaError("USAGE", `${context.source}: nothing to submit (no tasks, no services)`, {
      context: { file: context.source },
    });
  }
  checkFits(loaded, context.nodes);
  const taken = (name: string, spec: TaskSpec) =>
    context.hasTask(name) || taskInstances({ ...spec, name }).some((unit) => context.hasTask(unit.id));
  const renamed: Record<string, string> = {};
  for (const spec of workload.tasks) {
    if (!taken(spec.name, spec)) continue;
    let name = `${spec.name}-${context.number}`;
    // Bounded: each try is a new name, and the session holds finitely many.
    for (let k = 2; taken(name, spec); k++) name = `${spec.name}-${context.number}-${k}`;
    renamed[spec.name] = name;
  }
  const specs = workload.tasks.map((spec): TaskSpec => {
    const after = spec.after.map((ref) => renameRef(ref, renamed, workload.tasks));
    const requests =
      spec.requests === undefined || isAbsolute(spec.requests) ? spec.requests : resolve(context.dir, spec.requests);
    return {
      ...spec,
      name: renamed[spec.name] ?? spec.name,
      after,
      ...(requests === undefined ? {} : { requests }),
      ...stagingFrom(spec, context.dir),
    };
  });
  const services = workload.services.map((spec): ServiceSpec => {
    const { workdir, inputs } = stagingFrom(spec, context.dir);
    return { ...spec, ...(workdir === undefined ? {} : { workdir }), ...(inputs === undefined ? {} : { inputs }) };
  });
  return { services, units: specs.flatMap(taskInstances), renamed };
}

/**
 * The submission's own paths, made absolute: its inputs' `from`, outputs'
 * `to` and a workdir directory are relative to the submitted file, not to the
 * workload the session started with.
 */
function stagingFrom(spec: Pick<TaskSpec, "workdir" | "inputs" | "outputs">, dir: string): Partial<TaskSpec> {
  // A trailing slash says "a directory" (engine/staging/paths.ts): keep it.
  const at = (path: string) => (isAbsolute(path) ? path : `${resolve(dir, path)}${path.endsWith("/") ? "/" : ""}`);
  const out: Partial<TaskSpec> = {};
  if (spec.workdir !== undefined && spec.workdir !== "sandbox" && spec.workdir !== "node-local") {
    out.workdir = at(spec.workdir);
  }
  if (spec.inputs !== undefined) out.inputs = spec.inputs.map((entry) => ({ ...entry, from: at(entry.from) }));
  if (spec.outputs !== undefined) {
    out.outputs = spec.outputs.map((entry) => (entry.to === undefined ? entry : { ...entry, to: at(entry.to) }));
  }
  return out;
}

/** A reference to a task of this submission follows its rename (a name, or an id NAME.X). */
function renameRef(ref: string, renamed: Record<string, string>, tasks: readonly TaskSpec[]): string {
  const own = renamed[ref];
  if (own !== undefined) return own;
  for (const spec of tasks) {
    const to = renamed[spec.name];
    if (to !== undefined && ref.startsWith(`${spec.name}.`) && taskInstances(spec).some((u) => u.id === ref)) {
      return `${to}${ref.slice(spec.name.length)}`;
    }
  }
  return ref;
}
