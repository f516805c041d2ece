/**
 * Lays a whole workload out on an allocation without launching anything, in
 * the order `run` places things: every service instance first (they run for
 * the whole session); then, in file order, the tasks that wait for no
 * service (`run` starts them at once, while the services start); then, in
 * file order, the tasks that wait for a service, on what is left. That is
 * the layout at the moment every service is ready, if no task has ended by
 * then. A task that does not fit is queued; at run time it starts when
 * something before it finishes. Pure data in, pure data out.
 */
import type { NodeResources, ResourceRequest, Slot } from "../resources.js";
import { expandServices, expandTasks } from "../workload/expand.js";
import type { TaskSpec, Workload } from "../workload/schema.js";
import { ResourcePool } from "./pool.js";

export interface PlannedItem {
  kind: "service" | "task";
  /** "web.0", "hello.3" */
  id: string;
  /** Service or task definition name. */
  name: string;
  node: string;
  cores: number[];
  gpus: number[];
  /** MPI tasks: one slot per rank. */
  ranks?: Slot[];
  /** Tasks: the services it waits for (placed after every task that waits for none). */
  waits_for?: string[];
}

export interface QueuedItem {
  kind: "service" | "task";
  id: string;
  name: string;
  request: ResourceRequest;
  waits_for?: string[];
}

export interface NodePlan {
  name: string;
  cores: number;
  gpus: number;
  used_cores: number;
  used_gpus: number;
  /** Service instances and task processes (MPI ranks count one each) placed here. */
  services: number;
  tasks: number;
}

export interface WorkloadPlan {
  workload?: string;
  nodes: NodePlan[];
  services: PlannedItem[];
  tasks: PlannedItem[];
  /** Did not fit at once. Services here mean the run cannot start; tasks here wait for resources. */
  queued: QueuedItem[];
  /** Autoscaled services: the plan places their `min` instances; up to `max` may run, on what is free then. */
  autoscaled?: Array<{ service: string; min: number; max: number }>;
}

export function requestOf(spec: { cores: number; gpus: number; ranks?: number | undefined }): ResourceRequest {
  return spec.ranks === undefined
    ? { cores: spec.cores, gpus: spec.gpus }
    : { cores: spec.cores, gpus: spec.gpus, ranks: spec.ranks };
}

/** The services a task waits for before it starts: its `uses`, and the service an inference task sends to. */
export function taskNeeds(spec: TaskSpec): string[] {
  return spec.service === undefined || spec.uses.includes(spec.service) ? spec.uses : [...spec.uses, spec.service];
}

export function planWorkload(workload: Workload, nodes: readonly NodeResources[]): WorkloadPlan {
  const pool = new ResourcePool(nodes);
  const counts = new Map<string, { services: number; tasks: number }>(
    nodes.map((n) => [n.name, { services: 0, tasks: 0 }]),
  );
  const plan: WorkloadPlan = { nodes: [], services: [], tasks: [], queued: [] };
  if (workload.name !== undefined) plan.workload = workload.name;
  const autoscaled = workload.services.flatMap((s) =>
    s.autoscale === undefined ? [] : [{ service: s.name, min: s.autoscale.min, max: s.autoscale.max }],
  );
  if (autoscaled.length > 0) plan.autoscaled = autoscaled;

  const place = (
    kind: "service" | "task",
    id: string,
    name: string,
    request: ResourceRequest,
    waits: string[] = [],
  ) => {
    const waitsFor = waits.length > 0 ? { waits_for: waits } : {};
    const placement = pool.place(request);
    if (placement === undefined) {
      plan.queued.push({ kind, id, name, request, ...waitsFor });
      return;
    }
    const item: PlannedItem = {
      kind,
      id,
      name,
      node: placement.node,
      cores: placement.cores,
      gpus: placement.gpus,
      ...waitsFor,
    };
    if (request.ranks !== undefined) item.ranks = placement.slots;
    for (const slot of placement.slots) {
      const count = counts.get(slot.node);
      if (count) count[kind === "service" ? "services" : "tasks"] += 1;
    }
    (kind === "service" ? plan.services : plan.tasks).push(item);
  };

  for (const s of expandServices(workload)) place("service", s.id, s.service, requestOf(s.spec));
  const tasks = expandTasks(workload);
  for (const t of tasks) if (taskNeeds(t.spec).length === 0) place("task", t.id, t.task, requestOf(t.spec));
  for (const t of tasks) {
    const needs = taskNeeds(t.spec);
    if (needs.length > 0) place("task", t.id, t.task, requestOf(t.spec), needs);
  }

  plan.nodes = pool.usage().map((u) => ({
    name: u.name,
    cores: u.cores,
    gpus: u.gpus,
    used_cores: u.cores - u.freeCores,
    used_gpus: u.gpus - u.freeGpus,
    services: counts.get(u.name)?.services ?? 0,
    tasks: counts.get(u.name)?.tasks ?? 0,
  }));
  return plan;
}

/** Nodes named node0001, node0002, … with the same cores and GPUs each (for `plan`). */
export function syntheticNodes(count: number, cores: number, gpus: number): NodeResources[] {
  const width = Math.max(4, String(count).length);
  const coreIds = Array.from({ length: cores }, (_, i) => i);
  const gpuIds = Array.from({ length: gpus }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => ({
    name: `node${String(i + 1).padStart(width, "0")}`,
    cores: coreIds,
    gpus: gpuIds,
  }));
}
