/**
 * Runs the task instances of a workload: each waits (pending, with
 * `waiting_for`) until every service it `uses` is available and its cores and
 * GPUs fit, then is scheduled, runs, and ends done, failed or canceled; its
 * cores and GPUs go back to the pool the moment its process group is gone.
 *
 * A task with `after:` waits (pending, `waiting_for.tasks`) until those tasks
 * are done; when one of them fails, is canceled or skipped, it ends `skipped`
 * naming it. A running session adds tasks with `add` and cancels some with
 * `cancel`.
 *
 * Queue order: first fit in workload order. A task that does not fit does not
 * hold back later, smaller tasks (no reservation); a large task can therefore
 * wait for as long as smaller ones keep the resources busy.
 */

import { errorMessage } from "../errors.js";
import type { TaskState, TaskStateEvent } from "../events.js";
import type { ExitRecord, Launcher, RunningProcess } from "../launch/types.js";
import type { Placement, ResourceRequest } from "../resources.js";
import { taskNeeds } from "../scheduler/plan.js";
import type { Sandbox, Stager } from "../staging/stager.js";
import type { TaskInstance } from "../workload/expand.js";
import { dependencyVerdict, resolveDependencies } from "./task-deps.js";
import { portFor, taskCommand, taskEnvironment, taskVars } from "./task-env.js";
import { collectOutputs, prepareWorkdir } from "./task-staging.js";

export interface TaskPool {
  place(request: ResourceRequest): Placement | undefined;
  release(placement: Placement): void;
}

export interface ServiceAvailability {
  available(service: string): boolean;
  lost(service: string): boolean;
  urls(service: string): string[];
}

/**
 * Starts a task's work; the default runs its command through the launcher.
 * `command` is the task's command with its placeholders filled in; `cwd` its
 * workdir when it has one.
 */
export type TaskExecutor = (
  unit: TaskInstance,
  placement: Placement,
  env: Record<string, string>,
  command: string[],
  cwd?: string,
) => RunningProcess;

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
  /** FLOTILLA_SESSION_DIR of every task (where endpoints.json and the logs are). */
  sessionDir?: string;
  /** Prepares workdirs and stages inputs and outputs; without it `workdir`, `inputs` and `outputs` are ignored. */
  staging?: Stager;
}

interface Entry {
  unit: TaskInstance;
  state: TaskState;
  /** Services it waits for: `uses`, plus the one an inference task sends to. */
  needs: string[];
  /** Request shape, for "did not fit in this pass". */
  shape: string;
  /** Tasks it comes `after`. */
  deps?: Entry[];
  /** `cancel` asked for it while it was being launched. */
  cancelRequested?: boolean;
  waitKey?: string;
  placement?: Placement;
  process?: RunningProcess;
  sandbox?: Sandbox;
  stageInMs?: number;
}

const WAITING_FOR_RESOURCES = "resources";
const WAITING_FOR_TASKS = "tasks";
/** Task ids listed in one `waiting_for.tasks` (a task can come after thousands). */
const WAITING_LIST_LIMIT = 20;

export class TaskRunner {
  private readonly entries: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  private readonly byTask = new Map<string, Entry[]>();
  private pending: Entry[] = [];
  private readonly running = new Set<Entry>();
  private canceling = false;
  private pumping = false;
  private pumpAgain = false;
  private settle: (() => void) | undefined;
  /** Staging in or out now: cancelAll waits for it, so a canceled task still ends with its outputs. */
  private readonly staging = new Set<Promise<unknown>>();
  /** Resolves when every task has ended. */
  readonly done: Promise<void>;

  constructor(private readonly options: TaskRunnerOptions) {
    this.enqueue(options.units);
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** Adds tasks to a running session (ids must be new) and starts what can start. */
  add(units: TaskInstance[]): void {
    this.enqueue(units);
    this.pump();
  }

  /** The shapes of the tasks waiting for cores or GPUs now, one per shape (the autoscaler leaves them room). */
  waitingForResources(): ResourceRequest[] {
    const shapes = new Map<string, ResourceRequest>();
    for (const entry of this.pending) {
      if (entry.waitKey !== WAITING_FOR_RESOURCES || shapes.has(entry.shape)) continue;
      const { cores, gpus, ranks } = entry.unit.spec;
      shapes.set(entry.shape, { cores, gpus, ...(ranks ? { ranks } : {}) });
    }
    return [...shapes.values()];
  }

  /** Whether the session has a task of this definition name or instance id. */
  has(ref: string): boolean {
    return this.byId.has(ref) || this.byTask.has(ref);
  }

  /** Tasks that have not ended yet. */
  get active(): number {
    return this.pending.length + this.running.size;
  }

  /**
   * Cancels these tasks (instance ids): pending ones at once, running ones by
   * stopping them (they end `canceled`). Tasks after them are then skipped.
   * Returns the ids that were still active.
   */
  cancel(ids: readonly string[], reason: string, graceMs?: number): string[] {
    const wanted = new Set(ids);
    const canceled: string[] = [];
    this.pending = this.pending.filter((entry) => {
      if (!wanted.has(entry.unit.id)) return true;
      this.emit(entry, "canceled", { error: reason });
      canceled.push(entry.unit.id);
      return false;
    });
    for (const entry of this.running) {
      if (!wanted.has(entry.unit.id)) continue;
      entry.cancelRequested = true;
      canceled.push(entry.unit.id);
      void entry.process?.stop(graceMs);
    }
    this.pump();
    return canceled;
  }

  counts(): Record<TaskState, number> {
    const counts: Record<TaskState, number> = {
      pending: 0,
      scheduled: 0,
      running: 0,
      done: 0,
      failed: 0,
      canceled: 0,
      skipped: 0,
    };
    for (const entry of this.entries) counts[entry.state] += 1;
    return counts;
  }

  private enqueue(units: TaskInstance[]): void {
    const batch: Entry[] = units.map((unit) => {
      const spec = unit.spec;
      const needs = taskNeeds(spec);
      return { unit, state: "pending", needs, shape: `${spec.cores}/${spec.gpus}/${spec.ranks ?? 0}` };
    });
    const deps = resolveDependencies(batch, {
      byTask: (name) => this.byTask.get(name) ?? [],
      byId: (id) => this.byId.get(id),
    });
    for (const entry of batch) {
      const after = deps.get(entry);
      if (after !== undefined) entry.deps = after;
      this.entries.push(entry);
      this.byId.set(entry.unit.id, entry);
      const same = this.byTask.get(entry.unit.task);
      if (same) same.push(entry);
      else this.byTask.set(entry.unit.task, [entry]);
    }
    this.pending.push(...batch);
  }

  /**
   * Starts whatever can start now; call again whenever resources or services
   * change. One pass over the queue; a request shape that did not fit once in
   * a pass is not tried again in it, so a long queue of tasks waiting for
   * resources costs a set lookup each.
   */
  pump(): void {
    if (this.canceling) return;
    // A task that ends synchronously while we launch calls pump again: run another pass after this one.
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pass();
      } while (this.pumpAgain && !this.canceling);
    } finally {
      this.pumping = false;
    }
    this.checkDone();
  }

  private pass(): void {
    const unfit = new Set<string>();
    const still: Entry[] = [];
    for (const entry of this.pending) {
      if (this.canceling) {
        still.push(entry);
        continue;
      }
      if (entry.waitKey === WAITING_FOR_RESOURCES && unfit.has(entry.shape)) {
        still.push(entry);
        continue;
      }
      if (entry.deps !== undefined) {
        const verdict = dependencyVerdict(entry.deps);
        if (verdict.kind === "blocked") {
          const { id } = verdict.by.unit;
          this.emit(entry, "skipped", { error: `dependency ${id} ${verdict.by.state}` });
          // Tasks after this one may already have been passed over in this pass.
          this.pumpAgain = true;
          continue;
        }
        if (verdict.kind === "waiting") {
          still.push(entry);
          if (entry.waitKey !== WAITING_FOR_TASKS) {
            entry.waitKey = WAITING_FOR_TASKS;
            const tasks = verdict.open.slice(0, WAITING_LIST_LIMIT).map((dep) => dep.unit.id);
            this.emit(entry, "pending", { waiting_for: { tasks } });
          }
          continue;
        }
      }
      let services: string[] = [];
      if (entry.needs.length > 0) {
        const lost = entry.needs.filter((service) => this.options.services.lost(service));
        if (lost.length > 0) {
          this.emit(entry, "failed", { error: `service ${lost.join(", ")} has no instance left that can be ready` });
          continue;
        }
        services = entry.needs.filter((service) => !this.options.services.available(service));
      }
      if (services.length === 0 && !unfit.has(entry.shape)) {
        const { cores, gpus, ranks } = entry.unit.spec;
        const placement = this.options.pool.place({ cores, gpus, ...(ranks ? { ranks } : {}) });
        if (placement) {
          void this.launch(entry, placement);
          continue;
        }
        unfit.add(entry.shape);
      }
      still.push(entry);
      const key = services.length > 0 ? services.join(",") : WAITING_FOR_RESOURCES;
      if (entry.waitKey !== key) {
        entry.waitKey = key;
        this.emit(entry, "pending", { waiting_for: services.length > 0 ? { services } : { resources: true } });
      }
    }
    this.pending = still;
  }

  /** Cancels every task that has not ended: pending ones at once, running ones by stopping them. */
  async cancelAll(reason: string, graceMs?: number): Promise<void> {
    this.canceling = true;
    const pending = this.pending;
    this.pending = [];
    for (const entry of pending) this.emit(entry, "canceled", { error: reason });
    await Promise.all([...this.running].map((entry) => entry.process?.stop(graceMs)));
    // Bounded: every round waits for what was in flight; nothing new starts while canceling.
    while (this.staging.size > 0) await Promise.all([...this.staging]);
    this.checkDone();
  }

  private async launch(entry: Entry, placement: Placement): Promise<void> {
    const { unit } = entry;
    entry.placement = placement;
    const where = {
      node: placement.node,
      cores: placement.cores,
      gpus: placement.gpus,
      // MPI: every rank's slot, so no core or GPU of a later rank goes unreported.
      ...(placement.slots.length > 1 ? { slots: placement.slots } : {}),
    };
    this.emit(entry, "scheduled", where);
    this.running.add(entry);
    let process: RunningProcess;
    try {
      // Asynchronous only when the task needs a {port} picked.
      const picking = portFor(unit);
      const port = picking === undefined ? undefined : await picking;
      if (this.canceling || entry.cancelRequested) {
        this.ended(entry, { error: "canceled before it started" }, "canceled");
        return;
      }
      const vars = taskVars(unit, placement, this.options.launcher.hostOf(placement.node), port);
      const env = taskEnvironment(unit, vars, {
        urls: (service) => this.options.services.urls(service),
        serviceEnv: this.options.serviceEnv,
        sessionDir: this.options.sessionDir,
      });
      const staging = this.options.staging;
      if (staging?.wants(unit.spec)) {
        const prepared = await this.track(prepareWorkdir(staging, unit, placement, vars));
        entry.stageInMs = prepared.ms;
        if (prepared.sandbox === undefined) throw prepared.error;
        entry.sandbox = prepared.sandbox;
        env.FLOTILLA_WORKDIR = prepared.sandbox.cwd;
        if (this.canceling || entry.cancelRequested) {
          await this.track(staging.discard(prepared.sandbox).catch(() => undefined));
          this.ended(entry, { error: "canceled before it started", ...this.stageIn(entry) }, "canceled");
          return;
        }
      }
      const executor = this.options.executorFor?.(unit) ?? this.defaultExecutor;
      process = executor(unit, placement, env, taskCommand(unit, vars), entry.sandbox?.cwd);
    } catch (error) {
      this.ended(entry, { error: errorMessage(error), exit_code: null, signal: null, ...this.stageIn(entry) });
      const { sandbox } = entry;
      if (sandbox !== undefined && this.options.staging !== undefined) {
        void this.track(this.options.staging.discard(sandbox).catch(() => undefined));
      }
      return;
    }
    entry.process = process;
    this.emit(entry, "running", {
      ...where,
      ...(process.pid === undefined ? {} : { pid: process.pid }),
      ...this.stageIn(entry),
      ...(entry.sandbox === undefined ? {} : { workdir: entry.sandbox.cwd }),
    });
    void process.exited.then((record) => this.exited(entry, record));
  }

  /** Keeps `work` in the set cancelAll waits for, until it settles. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.staging.add(work);
    void work.then(
      () => this.staging.delete(work),
      () => this.staging.delete(work),
    );
    return work;
  }

  private stageIn(entry: Entry): Partial<TaskStateEvent> {
    return entry.stageInMs === undefined ? {} : { stage_in_ms: entry.stageInMs };
  }

  private readonly defaultExecutor: TaskExecutor = (unit, placement, env, command, cwd) => {
    const logs = this.options.logPaths(unit.id);
    return this.options.launcher.start({
      id: unit.id,
      placement,
      command,
      env,
      stdoutPath: logs.stdout,
      stderrPath: logs.stderr,
      ...(cwd === undefined ? {} : { cwd }),
      ...(unit.spec.timeout === undefined ? {} : { timeoutMs: unit.spec.timeout }),
      ...(unit.spec.ranks === undefined ? {} : { mpi: true }),
    });
  };

  private async exited(entry: Entry, record: ExitRecord): Promise<void> {
    let state: TaskState =
      record.canceled || (entry.cancelRequested && record.failed) ? "canceled" : record.failed ? "failed" : "done";
    const failure = record.timedOut
      ? `timed out after ${entry.unit.spec.timeout} ms`
      : record.cause !== undefined && record.exitCode === null && record.signal === null
        ? `could not start: ${errorMessage(record.cause)}`
        : undefined;
    // Its state is how the process ended; output lost on the way is said beside it.
    const lost = record.outputError === undefined ? undefined : `output incomplete: ${record.outputError}`;
    const parts = [failure, lost];
    // Outputs are collected however the process ended; the task ends only once they are in place.
    let stageOutMs: number | undefined;
    if (entry.sandbox !== undefined && this.options.staging !== undefined) {
      const collected = await this.track(collectOutputs(this.options.staging, entry.sandbox, entry.unit.id));
      stageOutMs = collected.ms;
      if (collected.problem !== undefined) {
        parts.push(collected.problem);
        if (state === "done") state = "failed";
      }
    }
    const error = parts.filter((part) => part !== undefined).join("; ");
    this.ended(
      entry,
      {
        exit_code: record.exitCode,
        signal: record.signal,
        duration_ms: Math.round(record.durationMs),
        ...(error === "" ? {} : { error }),
        ...(lost === undefined ? {} : { output_incomplete: true }),
        ...(record.requests === undefined ? {} : { requests: record.requests }),
        ...(stageOutMs === undefined ? {} : { stage_out_ms: stageOutMs }),
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

  private emit(entry: Entry, state: TaskState, fields: Partial<TaskStateEvent>): void {
    entry.state = state;
    this.options.emit({ type: "task:state", task: entry.unit.task, id: entry.unit.id, state, ...fields });
  }

  private checkDone(): void {
    if (!this.pumping && this.pending.length === 0 && this.running.size === 0) this.settle?.();
  }
}
