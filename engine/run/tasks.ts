/**
 * Runs the task instances of a workload: each waits (pending, with
 * `waiting_for`) until every service it `uses` is available and its cores and
 * GPUs fit, then is scheduled, runs, and ends done, failed or canceled; its
 * cores and GPUs go back to the pool the moment its process group is gone.
 *
 * Queue order: first fit in workload order. A task that does not fit does not
 * hold back later, smaller tasks (no reservation); a large task can therefore
 * wait for as long as smaller ones keep the resources busy.
 */

import { errorMessage } from "../errors.js";
import type { TaskState, TaskStateEvent } from "../events.js";
import type { ExitRecord, Launcher, RunningProcess } from "../platform/types.js";
import type { Placement, ResourceRequest } from "../scheduler/types.js";
import { serviceUrlsVariable } from "../service/endpoints.js";
import type { TaskInstance } from "../workload/expand.js";
import { renderArgs, renderEnv, type TemplateVars } from "../workload/template.js";

export interface TaskPool {
  place(request: ResourceRequest): Placement | undefined;
  release(placement: Placement): void;
}

export interface ServiceAvailability {
  available(service: string): boolean;
  lost(service: string): boolean;
  urls(service: string): string[];
}

/** Starts a task's work; the default runs its command through the launcher. */
export type TaskExecutor = (unit: TaskInstance, placement: Placement, env: Record<string, string>) => RunningProcess;

export interface TaskRunnerOptions {
  units: TaskInstance[];
  pool: TaskPool;
  launcher: Launcher;
  services: ServiceAvailability;
  logPaths(id: string): { stdout: string; stderr: string };
  emit(event: TaskStateEvent): void;
  /** Overrides how some tasks run (e.g. inference tasks); undefined = launch the command. */
  executorFor?: (unit: TaskInstance) => TaskExecutor | undefined;
  /** Extra env for a task that uses `service` (the request path's _HTTP and _ZMQ). */
  serviceEnv?: (service: string) => Record<string, string>;
}

interface Entry {
  unit: TaskInstance;
  state: TaskState;
  waitKey?: string;
  placement?: Placement;
  process?: RunningProcess;
}

export class TaskRunner {
  private readonly entries: Entry[];
  private readonly pending: Entry[];
  private readonly running = new Set<Entry>();
  private canceling = false;
  private settle: (() => void) | undefined;
  /** Resolves when every task has ended. */
  readonly done: Promise<void>;

  constructor(private readonly options: TaskRunnerOptions) {
    this.entries = options.units.map((unit) => ({ unit, state: "pending" }));
    this.pending = [...this.entries];
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  counts(): Record<TaskState, number> {
    const counts: Record<TaskState, number> = { pending: 0, scheduled: 0, running: 0, done: 0, failed: 0, canceled: 0 };
    for (const entry of this.entries) counts[entry.state] += 1;
    return counts;
  }

  /** Starts whatever can start now; call again whenever resources or services change. */
  pump(): void {
    if (this.canceling) return;
    const unfit = new Set<string>();
    for (const entry of [...this.pending]) {
      const spec = entry.unit.spec;
      // An inference task waits for the service it sends to, as if it `uses` it.
      const needs =
        spec.service === undefined || spec.uses.includes(spec.service) ? spec.uses : [...spec.uses, spec.service];
      const lost = needs.filter((service) => this.options.services.lost(service));
      if (lost.length > 0) {
        this.finishPending(entry, "failed", `service ${lost.join(", ")} has no instance left that can be ready`);
        continue;
      }
      const services = needs.filter((service) => !this.options.services.available(service));
      const request: ResourceRequest = {
        cores: spec.cores,
        gpus: spec.gpus,
        ...(spec.ranks ? { ranks: spec.ranks } : {}),
      };
      const shape = `${request.cores}/${request.gpus}/${request.ranks ?? 0}`;
      let placement: Placement | undefined;
      // A shape that did not fit once in this pass will not fit later in it either.
      if (services.length === 0 && !unfit.has(shape)) {
        placement = this.options.pool.place(request);
        if (!placement) unfit.add(shape);
      }
      if (placement) {
        this.pending.splice(this.pending.indexOf(entry), 1);
        this.launch(entry, placement);
        continue;
      }
      const waiting = { ...(services.length > 0 ? { services } : { resources: true }) };
      const key = JSON.stringify(waiting);
      if (entry.waitKey !== key) {
        entry.waitKey = key;
        this.emit(entry, "pending", { waiting_for: waiting });
      }
    }
    this.checkDone();
  }

  /** Cancels every task that has not ended: pending ones at once, running ones by stopping them. */
  async cancelAll(reason: string, graceMs?: number): Promise<void> {
    this.canceling = true;
    for (const entry of this.pending.splice(0)) this.finishPending(entry, "canceled", reason);
    await Promise.all([...this.running].map((entry) => entry.process?.stop(graceMs)));
    this.checkDone();
  }

  private launch(entry: Entry, placement: Placement): void {
    const { unit } = entry;
    entry.placement = placement;
    const where = { node: placement.node, cores: placement.cores, gpus: placement.gpus };
    this.emit(entry, "scheduled", where);
    this.running.add(entry);
    let process: RunningProcess;
    try {
      const env = this.environment(unit, placement);
      const executor = this.options.executorFor?.(unit) ?? this.defaultExecutor;
      process = executor(unit, placement, env);
    } catch (error) {
      this.ended(entry, { error: errorMessage(error), exit_code: null, signal: null });
      return;
    }
    entry.process = process;
    this.emit(entry, "running", { ...where, ...(process.pid === undefined ? {} : { pid: process.pid }) });
    void process.exited.then((record) => this.exited(entry, record));
  }

  private readonly defaultExecutor: TaskExecutor = (unit, placement, env) => {
    const vars = taskVars(unit, placement, this.options.launcher.hostOf(placement.node));
    const logs = this.options.logPaths(unit.id);
    return this.options.launcher.start({
      id: unit.id,
      placement,
      command: renderArgs(unit.spec.command ?? [], vars),
      env,
      stdoutPath: logs.stdout,
      stderrPath: logs.stderr,
      ...(unit.spec.timeout === undefined ? {} : { timeoutMs: unit.spec.timeout }),
      ...(unit.spec.ranks === undefined ? {} : { mpi: true }),
    });
  };

  private environment(unit: TaskInstance, placement: Placement): Record<string, string> {
    const vars = taskVars(unit, placement, this.options.launcher.hostOf(placement.node));
    const env = renderEnv(unit.spec.env, vars);
    env.FLOTILLA_TASK_ID = unit.id;
    for (const service of unit.spec.uses) {
      env[serviceUrlsVariable(service)] = this.options.services.urls(service).join(",");
      Object.assign(env, this.options.serviceEnv?.(service));
    }
    return env;
  }

  private exited(entry: Entry, record: ExitRecord): void {
    const state: TaskState = record.canceled ? "canceled" : record.failed ? "failed" : "done";
    const error = record.timedOut
      ? `timed out after ${entry.unit.spec.timeout} ms`
      : record.cause !== undefined && record.exitCode === null && record.signal === null
        ? `could not start: ${errorMessage(record.cause)}`
        : undefined;
    this.ended(
      entry,
      {
        exit_code: record.exitCode,
        signal: record.signal,
        duration_ms: Math.round(record.durationMs),
        ...(error === undefined ? {} : { error }),
      },
      state,
    );
  }

  private ended(entry: Entry, fields: Partial<TaskStateEvent>, state: TaskState = "failed"): void {
    this.running.delete(entry);
    if (entry.placement) this.options.pool.release(entry.placement);
    this.emit(entry, state, fields);
    this.pump();
    this.checkDone();
  }

  private finishPending(entry: Entry, state: TaskState, error: string): void {
    const at = this.pending.indexOf(entry);
    if (at !== -1) this.pending.splice(at, 1);
    this.emit(entry, state, { error });
  }

  private emit(entry: Entry, state: TaskState, fields: Partial<TaskStateEvent>): void {
    entry.state = state;
    this.options.emit({ type: "task:state", task: entry.unit.task, id: entry.unit.id, state, ...fields });
  }

  private checkDone(): void {
    if (this.pending.length === 0 && this.running.size === 0) this.settle?.();
  }
}

export function taskVars(unit: TaskInstance, placement: Placement, host: string): TemplateVars {
  return {
    host,
    gpu_ids: placement.gpus,
    instance: unit.index,
    ...(unit.item === undefined ? {} : { item: unit.item }),
  };
}
