/**
 * The part of a run between "allocation active" and teardown: place every
 * service instance, start them all concurrently, run the tasks as resources
 * and services allow, watch the walltime. Returns why it ended normally;
 * throws (via FatalCause) when it must stop early.
 */

import type { EventBus } from "../bus.js";
import { FlotillaError } from "../errors.js";
import type { EngineEventBody } from "../events.js";
import type { Allocation, Platform } from "../platform/types.js";
import { checkFits } from "../scheduler/fits.js";
import { ResourcePool } from "../scheduler/pool.js";
import { chooseDriver } from "../service/drivers.js";
import { EndpointRegistry } from "../service/endpoints.js";
import { Stager } from "../staging/stager.js";
import { expandTasks } from "../workload/expand.js";
import type { LoadedWorkload } from "../workload/load.js";
import { Autoscaler } from "./autoscale/autoscaler.js";
import { scaleLoad } from "./autoscale/rule.js";
import type { RequestCapability } from "./capability.js";
import type { PilotOptions } from "./control/pilot.js";
import type { FatalCause } from "./fatal.js";
import { createPilot, type PilotRunParts, servePilot } from "./pilot-run.js";
import { ServiceSet } from "./services.js";
import { TaskRunner } from "./tasks.js";
import type { Teardown } from "./teardown.js";
import { watchWalltime } from "./walltime.js";

export interface RunContext {
  loaded: LoadedWorkload;
  platform: Platform;
  allocation: Allocation;
  sessionDir: string;
  self: string[];
  emit(body: EngineEventBody): void;
  fatal: FatalCause;
  teardown: Teardown;
  logPaths(id: string): { stdout: string; stderr: string };
  /** The request path's drivers, inference executor and task environment; without it only plain commands run. */
  requestPath?: RequestCapability;
  /** The registry of ready instances (shared with the request path). */
  endpoints?: EndpointRegistry;
  /** The session's bus (the pilot reads the state and the task events). */
  bus?: EventBus;
  /** Stay up and take submissions on the control socket until down, idle or walltime (`flotilla up`). */
  pilot?: PilotOptions;
}

export const ALL_TASKS_ENDED = "all tasks ended";
export const TASK_FAILED = "a task failed";
export const SERVICES_FAILED = "every service instance failed and none can restart";

/** Whether a normal end (no fatal cause) still counts as a failed run (exit 1). */
export function isFailedEnd(reason: string): boolean {
  return reason === TASK_FAILED || reason === SERVICES_FAILED || reason.endsWith(`; ${TASK_FAILED}`);
}

export async function runWorkload(context: RunContext): Promise<string> {
  const { loaded, allocation, fatal, teardown, emit, requestPath } = context;
  const { workload } = loaded;
  // Everything must be placeable on what we got, or the run would wait forever (exit 2, naming file:line).
  checkFits(loaded, allocation.nodes);
  const launcher = context.platform.launcher(allocation);
  const pool = new ResourcePool(allocation.nodes);

  if (allocation.deadline !== undefined) {
    const deadline = allocation.deadline;
    const disarm = watchWalltime({
      deadline,
      startedAt: Date.now(),
      onWarning: (remaining_ms) => emit({ type: "walltime:warning", deadline, remaining_ms }),
      onDeadline: () =>
        fatal.set(
          new FlotillaError("WALLTIME_EXCEEDED", "the allocation's walltime ran out; remaining work was canceled", {
            context: { deadline },
          }),
        ),
    });
    fatal.signal.addEventListener("abort", disarm, { once: true });
    teardown.add(disarm);
  }

  let allGone: () => void = () => {};
  const servicesGone = new Promise<void>((resolve) => {
    allGone = resolve;
  });
  let pumpQueued = false;
  const schedulePump = (): void => {
    if (pumpQueued) return;
    pumpQueued = true;
    queueMicrotask(() => {
      pumpQueued = false;
      if (services.allLost()) allGone();
      tasks.pump();
    });
  };

  const staging = new Stager({
    sessionDir: context.sessionDir,
    workloadDir: loaded.dir,
    launcher,
    nodeLocal: workload.allocation.node_local,
  });
  const services = new ServiceSet({
    services: workload.services,
    place: (service, index) => {
      const placement = pool.place({ cores: service.cores, gpus: service.gpus });
      if (placement) return placement;
      throw new FlotillaError(
        "PLACEMENT_IMPOSSIBLE",
        `service instance ${service.name}.${index} (${service.cores} cores, ${service.gpus} GPUs) does not fit next to the other services in the allocation`,
        { context: { service: service.name, instance: index } },
      );
    },
    driverFor: (service, instance) => chooseDriver(service, instance, requestPath?.drivers),
    launcher,
    endpoints: context.endpoints ?? new EndpointRegistry(),
    self: context.self,
    sessionDir: context.sessionDir,
    logPaths: context.logPaths,
    emit,
    log: (level, message, subject) => emit({ type: "log", level, message, subject }),
    onChange: schedulePump,
    // Freed cores and GPUs may let a waiting task start.
    release: (placement) => {
      pool.release(placement);
      schedulePump();
    },
    tryPlace: (service) => pool.place({ cores: service.cores, gpus: service.gpus }),
    ...(requestPath === undefined
      ? {}
      : {
          drain: (service, instance, timeoutMs) => requestPath.drain(service, instance, timeoutMs),
          measure: (service) => scaleLoad(requestPath.load(service.name), service.autoscale?.target_outstanding ?? 0),
        }),
    staging,
  });
  const units = expandTasks(workload);
  teardown.add((graceMs) => services.stopAll(graceMs));
  const tasks: TaskRunner = new TaskRunner({
    units,
    pool,
    launcher,
    services,
    logPaths: context.logPaths,
    emit,
    ...(requestPath === undefined
      ? {}
      : {
          executorFor: (unit) => requestPath.executorFor(unit),
          serviceEnv: (service) => requestPath.serviceEnv(service),
        }),
    sessionDir: context.sessionDir,
    staging,
  });
  // Added after services.stopAll but must run before it: tasks may still be talking to services.
  teardown.first((graceMs) => tasks.cancelAll(fatal.error?.message ?? "the run is stopping", graceMs));
  const autoscaler = new Autoscaler({
    services,
    specs: () => services.specList,
    load: (service) => requestPath?.load(service),
    usage: () => pool.usage(),
    waitingTasks: () => tasks.waitingForResources(),
    log: (level, message, subject) => emit({ type: "log", level, message, subject }),
    signal: fatal.signal,
  });
  // No scaling once teardown begins (added last, so it runs first).
  teardown.first(() => autoscaler.stop());

  const aborted = new Promise<void>((resolve) => {
    if (fatal.signal.aborted) resolve();
    else fatal.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  // Services start with the run's signal: a start-up failure is fatal (exit 3).
  const servicesUp = services.startAll(fatal.signal).catch((error: unknown) => {
    if (!fatal.signal.aborted) fatal.set(error);
  });
  autoscaler.start();
  if (context.pilot !== undefined && context.bus !== undefined) {
    const parts: PilotRunParts = {
      options: context.pilot,
      bus: context.bus,
      sessionDir: context.sessionDir,
      allocation,
      services,
      tasks,
      teardown,
      fatal,
    };
    const pilot = createPilot(parts);
    tasks.pump();
    const stop = Promise.race([aborted.then(() => undefined), servicesGone.then(() => SERVICES_FAILED)]);
    const reason = await servePilot(pilot, parts, servicesUp, stop);
    if (fatal.error) throw fatal.error;
    if (reason === undefined || reason === SERVICES_FAILED) return SERVICES_FAILED;
    return tasks.counts().failed > 0 ? `${reason}; ${TASK_FAILED}` : reason;
  }
  tasks.pump();
  // A workload of services only serves until it is interrupted, or until none of them is left.
  if (workload.tasks.length === 0) {
    await Promise.race([aborted, servicesGone]);
    if (fatal.error) throw fatal.error;
    return SERVICES_FAILED;
  }
  await Promise.race([Promise.all([tasks.done, servicesUp]), aborted]);
  if (fatal.error) throw fatal.error;
  return tasks.counts().failed > 0 ? TASK_FAILED : ALL_TASKS_ENDED;
}
