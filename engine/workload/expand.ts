/**
 * Turns service and task definitions into the instances that run. Pure, and
 * stable: the same workload always gives the same ids in the same order.
 */
import type { ServiceSpec, TaskSpec, Workload } from "./schema.js";

export interface TaskInstance {
  /** "hello.0" for count, "sweep.<item>" for for_each, plain "name" otherwise. */
  id: string;
  task: string;
  /** 0-based position within its task definition. */
  index: number;
  /** The for_each item, as written. */
  item?: string;
  spec: TaskSpec;
}

export interface ServiceInstance {
  /** "web.0" */
  id: string;
  service: string;
  instance: number;
  spec: ServiceSpec;
}

/** Makes an item usable in an id and a file name: anything unusual becomes "_". */
export function sanitizeItem(item: string): string {
  const clean = item.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_");
  return clean === "" ? "_" : clean;
}

export function taskInstances(spec: TaskSpec): TaskInstance[] {
  if (spec.for_each !== undefined) {
    return spec.for_each.map((item, index) => ({
      id: `${spec.name}.${sanitizeItem(item)}`,
      task: spec.name,
      index,
      item,
      spec,
    }));
  }
  if (spec.count !== undefined) {
    return Array.from({ length: spec.count }, (_, index) => ({
      id: `${spec.name}.${index}`,
      task: spec.name,
      index,
      spec,
    }));
  }
  return [{ id: spec.name, task: spec.name, index: 0, spec }];
}

export function expandTasks(workload: Workload): TaskInstance[] {
  return workload.tasks.flatMap(taskInstances);
}

/**
 * Instances Flotilla launches at the start: `replicas`, which is 1 when not
 * written, or 0 for a service that lists `endpoints` (its instances are
 * already running); `autoscale.min` for an autoscaled service (more may
 * follow, run/autoscale.ts). One rule for every backend; checks.ts refuses a
 * count with nothing to launch.
 */
export function launchedReplicas(spec: ServiceSpec): number {
  if (spec.autoscale !== undefined) return spec.autoscale.min;
  return spec.replicas ?? (spec.endpoints === undefined ? 1 : 0);
}

/** The field that sets launchedReplicas, for messages that point at it. */
export function replicasField(spec: ServiceSpec): string[] {
  return spec.autoscale === undefined ? ["replicas"] : ["autoscale", "min"];
}

/**
 * The one rule of launched or remote: a service's launched replicas come
 * first (instances 0 … launched−1), then one instance per `endpoints` entry.
 */
export function isRemoteInstance(spec: ServiceSpec, instance: number): boolean {
  return spec.endpoints !== undefined && instance >= launchedReplicas(spec);
}

/** How many instances a service has: its launched replicas and its remote endpoints. */
export function instanceCount(spec: ServiceSpec): number {
  return launchedReplicas(spec) + (spec.endpoints?.length ?? 0);
}

export function serviceInstances(spec: ServiceSpec): ServiceInstance[] {
  return Array.from({ length: launchedReplicas(spec) }, (_, instance) => ({
    id: `${spec.name}.${instance}`,
    service: spec.name,
    instance,
    spec,
  }));
}

export function expandServices(workload: Workload): ServiceInstance[] {
  return workload.services.flatMap(serviceInstances);
}
