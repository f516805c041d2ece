/**
 * Derived views over SessionState for the dashboard. Pure functions of the
 * snapshot (and a clock), so run, watch and show render the same numbers.
 */
import type { LatencySummary, ServiceMetrics, ServiceState } from "../engine/events.js";
import type { InstanceView, ServiceView, SessionState, TaskView } from "../engine/state.js";

/** Instance states that hold cores/GPUs. */
const HOLDING: ReadonlySet<ServiceState> = new Set(["launching", "initializing", "ready"]);

export interface ResourceUsage {
  nodes: number;
  cores: number;
  gpus: number;
  usedCores: number;
  usedGpus: number;
}

export function resourceUsage(state: SessionState): ResourceUsage | undefined {
  const nodes = state.allocation?.nodes;
  if (!nodes || nodes.length === 0) return undefined;
  let usedCores = 0;
  let usedGpus = 0;
  for (const service of state.services)
    for (const instance of service.instances)
      if (HOLDING.has(instance.state) && !instance.remote) {
        usedCores += instance.cores.length;
        usedGpus += instance.gpus.length;
      }
  for (const id of state.taskOrder) {
    const task = state.tasks[id];
    if (task && (task.state === "running" || task.state === "scheduled")) {
      usedCores += task.cores.length;
      usedGpus += task.gpus.length;
    }
  }
  return {
    nodes: nodes.length,
    cores: nodes.reduce((sum, node) => sum + node.cores, 0),
    gpus: nodes.reduce((sum, node) => sum + node.gpus, 0),
    usedCores,
    usedGpus,
  };
}

export function serviceMetrics(state: SessionState, name: string): ServiceMetrics | undefined {
  return state.metrics?.services.find((service) => service.service === name);
}

/** A latency summary with no samples is absent, not zero. */
export function present(summary: LatencySummary | undefined): LatencySummary | undefined {
  return summary && summary.count > 0 ? summary : undefined;
}

export type Percentile = "p50" | "p95";

export interface RequestBreakdown {
  communication: number;
  service: number;
  inference: number;
  total: number;
}

export function requestBreakdown(metrics: ServiceMetrics | undefined, which: Percentile): RequestBreakdown | undefined {
  const latency = metrics?.latency;
  if (!latency || !present(latency.total)) return undefined;
  return {
    communication: latency.communication[which],
    service: latency.service[which],
    inference: latency.inference[which],
    total: latency.total[which],
  };
}

export interface BootstrapBreakdown {
  launch: number;
  init: number;
  publish: number;
  /** Instances the medians are over. */
  count: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median bootstrap phases over the instances that reported them (on ready). */
export function bootstrapBreakdown(service: ServiceView): BootstrapBreakdown | undefined {
  const timed = service.instances.filter(
    (instance): instance is InstanceView & { launch_ms: number; init_ms: number; publish_ms: number } =>
      instance.launch_ms !== undefined && instance.init_ms !== undefined && instance.publish_ms !== undefined,
  );
  if (timed.length === 0) return undefined;
  return {
    launch: median(timed.map((i) => i.launch_ms)),
    init: median(timed.map((i) => i.init_ms)),
    publish: median(timed.map((i) => i.publish_ms)),
    count: timed.length,
  };
}

export function readyCount(service: ServiceView): number {
  return service.instances.filter((instance) => instance.state === "ready").length;
}

export function serviceGpus(service: ServiceView): number[] {
  const ids = new Set<number>();
  for (const instance of service.instances)
    if (HOLDING.has(instance.state)) for (const id of instance.gpus) ids.add(id);
  return [...ids];
}

export function tasksIn(state: SessionState, wanted: TaskView["state"]): TaskView[] {
  const out: TaskView[] = [];
  for (const id of state.taskOrder) {
    const task = state.tasks[id];
    if (task?.state === wanted) out.push(task);
  }
  return out;
}

export function isFinished(task: TaskView): boolean {
  return task.state === "done" || task.state === "failed" || task.state === "canceled" || task.state === "skipped";
}

/** What a pending task waits for, in words. */
export function waitingFor(task: TaskView): string {
  const parts: string[] = [];
  const services = task.waiting_for?.services ?? [];
  if (services.length > 0) parts.push(`service ${services.join(", ")}`);
  const tasks = task.waiting_for?.tasks ?? [];
  if (tasks.length > 0) parts.push(`task ${tasks.join(", ")}`);
  if (task.waiting_for?.resources) parts.push("resources");
  return parts.length > 0 ? parts.join(" + ") : "its turn";
}

/** True while the session has work that quitting would cut short. */
export function workRunning(state: SessionState): boolean {
  return state.session !== undefined && state.end === undefined;
}

/** The clock the screen uses: the end of a finished session, else now. */
export function screenNow(state: SessionState, now: number): number {
  return state.end?.ts ?? Math.max(now, state.lastTs);
}
