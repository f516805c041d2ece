/**
 * Totals over the whole workload, computed from the counts as written and
 * before anything is expanded: how many service instances and task processes
 * it makes, and whether the services and each MPI task can fit the
 * allocation it states at all. `count: 1000000000` must be an error here,
 * not an array of a billion instances later.
 */
import { launchedReplicas, replicasField } from "./expand.js";
import type { Problem } from "./issues.js";
import { grouped, LIMITS } from "./limits.js";
import type { AllocationSpec, ServiceSpec, TaskSpec, Workload } from "./schema.js";

/** The field that makes a task many: count, for_each or ranks. */
function countField(spec: TaskSpec): "count" | "for_each" | "ranks" | undefined {
  if (spec.count !== undefined) return "count";
  if (spec.for_each !== undefined) return "for_each";
  return spec.ranks === undefined ? undefined : "ranks";
}

/** Processes one task definition makes: instances × ranks. */
export function taskProcesses(spec: TaskSpec): number {
  return taskInstanceCount(spec) * (spec.ranks ?? 1);
}

export function taskInstanceCount(spec: TaskSpec): number {
  return spec.for_each?.length ?? spec.count ?? 1;
}

/** Instances Flotilla launches (what takes cores, GPUs and processes). */
export function serviceInstanceCount(spec: ServiceSpec): number {
  return launchedReplicas(spec);
}

function allocationProblems(workload: Workload, alloc: AllocationSpec): Problem[] {
  const problems: Problem[] = [];
  // Only what the file states: flags may change nodes, cores and GPUs at run time,
  // and `run`/`plan` check the allocation they get (fits.ts).
  if (alloc.nodes === undefined) return problems;
  const nodes = alloc.nodes;
  const have = { cores: alloc.cores, gpus: alloc.gpus };
  const held = { cores: 0, gpus: 0 };
  for (const [i, spec] of workload.services.entries()) {
    const n = serviceInstanceCount(spec);
    for (const kind of ["cores", "gpus"] as const) {
      const perNode = have[kind];
      held[kind] += n * spec[kind];
      if (perNode === undefined || held[kind] <= nodes * perNode || n === 0) continue;
      problems.push({
        path: ["services", i, ...replicasField(spec)],
        message:
          `services hold ${grouped(held[kind])} ${kind} in all${i > 0 ? " with those before it" : ""}, ` +
          `but the allocation has ${grouped(nodes * perNode)} (allocation.nodes × allocation.${kind})`,
      });
      return problems;
    }
  }
  for (const [i, spec] of workload.tasks.entries()) {
    if (spec.ranks === undefined) continue;
    for (const kind of ["cores", "gpus"] as const) {
      const perNode = have[kind];
      const need = spec.ranks * spec[kind];
      if (perNode === undefined || need <= nodes * perNode) continue;
      problems.push({
        path: ["tasks", i, "ranks"],
        message:
          `${grouped(spec.ranks)} ranks need ${grouped(need)} ${kind}, ` +
          `but the allocation has ${grouped(nodes * perNode)} (allocation.nodes × allocation.${kind})`,
      });
      break;
    }
  }
  return problems;
}

export function totalsProblems(workload: Workload): Problem[] {
  let services = 0;
  for (const [i, spec] of workload.services.entries()) {
    // An autoscaled service may grow to `max`: that is what may run at once.
    services += spec.autoscale?.max ?? serviceInstanceCount(spec);
    if (services > LIMITS.serviceInstances) {
      return [
        {
          path: ["services", i, ...(spec.autoscale === undefined ? ["replicas"] : ["autoscale", "max"])],
          message: `brings the workload to ${grouped(services)} service instances; at most ${grouped(LIMITS.serviceInstances)}`,
        },
      ];
    }
  }
  let processes = 0;
  for (const [i, spec] of workload.tasks.entries()) {
    processes += taskProcesses(spec);
    if (processes > LIMITS.taskProcesses) {
      const field = countField(spec);
      return [
        {
          path: field === undefined ? ["tasks", i] : ["tasks", i, field],
          message:
            `brings the workload to ${grouped(processes)} task processes ` +
            `(instances × ranks, summed over tasks); at most ${grouped(LIMITS.taskProcesses)}`,
        },
      ];
    }
  }
  return allocationProblems(workload, workload.allocation);
}
