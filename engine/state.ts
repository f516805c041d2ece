/**
 * A pure fold of EngineEvents into a snapshot. `run` (TUI), `watch`, `show`
 * and the session summary all build their state with this one reducer.
 * Never mutates its input: each event returns a new top-level object.
 */
import {
  type AllocationStateEvent,
  assertNever,
  type EngineEvent,
  type LogEvent,
  type MetricsEvent,
  type RequestProgress,
  SERVICE_STATES,
  type ServiceScaleEvent,
  type ServiceState,
  type SessionEndEvent,
  type SessionStartEvent,
  TASK_STATES,
  type TaskState,
  type TaskStateEvent,
} from "./events.js";

export interface InstanceView {
  service: string;
  instance: number;
  state: ServiceState;
  node: string;
  cores: number[];
  gpus: number[];
  endpoint?: string;
  zmq?: string;
  remote: boolean;
  restarts: number;
  launch_ms?: number;
  init_ms?: number;
  publish_ms?: number;
  error?: string;
  stderr_tail: string[];
  /** ts of the last state change. */
  since: number;
}

/** One `service:scale` decision. */
export type ScaleDecision = Omit<ServiceScaleEvent, "type" | "service"> & { ts: number };

/** The latest `service:scale` of a service, and how many it has had. */
export type ScaleView = ScaleDecision & { count: number };

export interface ServiceView {
  name: string;
  instances: InstanceView[];
  /** Present once the service has scaled (autoscale or `flotilla scale`). */
  scale?: ScaleView;
}

export const SCALE_LIMIT = 50;

export interface TaskView {
  id: string;
  task: string;
  state: TaskState;
  node?: string;
  cores: number[];
  gpus: number[];
  waiting_for?: TaskStateEvent["waiting_for"];
  exit_code?: number | null;
  signal?: string | null;
  duration_ms?: number;
  /** Tasks with a workdir: time spent staging inputs in, and collecting outputs. */
  stage_in_ms?: number;
  stage_out_ms?: number;
  error?: string;
  /** Inference tasks: how far their requests are (from `metrics` while running, then the final task:state). */
  requests?: RequestProgress;
  /** ts at which it started running. */
  started?: number;
  since: number;
}

export interface SessionState {
  session?: Omit<SessionStartEvent, "type"> & { ts: number };
  allocation?: Omit<AllocationStateEvent, "type"> & { since: number; pending_since?: number };
  /** In order of first appearance. */
  services: ServiceView[];
  tasks: Record<string, TaskView>;
  /** Task ids in order of first appearance. */
  taskOrder: string[];
  metrics?: MetricsEvent;
  /** Submissions a running session accepted (`task:submitted`). */
  submissions?: number;
  /** Notable events (warnings, errors, failures, restarts), newest last, bounded. */
  notable: Array<{ ts: number; level: LogEvent["level"]; message: string }>;
  walltimeWarning?: { deadline: number; remaining_ms: number };
  /** Per service that scaled: its newest decisions, oldest first (the last SCALE_LIMIT). */
  scaleDecisions?: Readonly<Record<string, ScaleDecision[]>>;
  end?: Omit<SessionEndEvent, "type"> & { ts: number };
  lastSeq: number;
  lastTs: number;
}

export const NOTABLE_LIMIT = 200;

export const initialState: SessionState = Object.freeze({
  services: [],
  tasks: {},
  taskOrder: [],
  notable: [],
  lastSeq: 0,
  lastTs: 0,
}) as SessionState;

function addNotable(
  state: SessionState,
  ts: number,
  level: LogEvent["level"],
  message: string,
): SessionState["notable"] {
  const notable = [...state.notable, { ts, level, message }];
  return notable.length > NOTABLE_LIMIT ? notable.slice(-NOTABLE_LIMIT) : notable;
}

export function reduce(state: SessionState, event: EngineEvent): SessionState {
  const base = { ...state, lastSeq: event.seq, lastTs: event.ts };
  switch (event.type) {
    case "session:start": {
      const { type: _type, v: _v, seq: _seq, ...session } = event;
      return { ...base, session };
    }
    case "allocation:state": {
      const { type: _type, v: _v, seq: _seq, ts, ...allocation } = event;
      const pending_since =
        event.state === "pending" ? (state.allocation?.pending_since ?? ts) : state.allocation?.pending_since;
      const next = { ...allocation, since: ts, ...(pending_since === undefined ? {} : { pending_since }) };
      const notable =
        event.state === "failed"
          ? addNotable(state, ts, "error", `allocation failed${event.reason ? `: ${event.reason}` : ""}`)
          : state.notable;
      return { ...base, allocation: next, notable };
    }
    case "service:state":
      return reduceService(base, event);
    case "task:state":
      return reduceTask(base, event);
    case "task:submitted":
      return { ...base, submissions: (state.submissions ?? 0) + 1 };
    case "service:scale":
      return reduceScale(base, event);
    case "log":
      return event.level === "warn" || event.level === "error"
        ? { ...base, notable: addNotable(state, event.ts, event.level, event.message) }
        : base;
    case "walltime:warning":
      return {
        ...base,
        walltimeWarning: { deadline: event.deadline, remaining_ms: event.remaining_ms },
        notable: addNotable(state, event.ts, "warn", `walltime ends in ${Math.round(event.remaining_ms / 1000)}s`),
      };
    case "metrics":
      return { ...base, metrics: event, tasks: withProgress(state.tasks, event.tasks) };
    case "session:end": {
      const { type: _type, v: _v, seq: _seq, ...end } = event;
      return { ...base, end };
    }
    default:
      return assertNever(event, "event");
  }
}

function reduceService(state: SessionState, event: Extract<EngineEvent, { type: "service:state" }>): SessionState {
  const index = state.services.findIndex((service) => service.name === event.service);
  const service: ServiceView =
    index === -1 ? { name: event.service, instances: [] } : (state.services[index] as ServiceView);
  const previous = service.instances.find((instance) => instance.instance === event.instance);
  const instance: InstanceView = {
    service: event.service,
    instance: event.instance,
    state: event.state,
    node: event.node,
    cores: event.cores,
    gpus: event.gpus,
    remote: event.remote ?? previous?.remote ?? false,
    restarts: event.restarts ?? previous?.restarts ?? 0,
    stderr_tail: event.stderr_tail ?? previous?.stderr_tail ?? [],
    since: event.ts,
    ...pick(previous, event, "endpoint"),
    ...pick(previous, event, "zmq"),
    ...pick(previous, event, "launch_ms"),
    ...pick(previous, event, "init_ms"),
    ...pick(previous, event, "publish_ms"),
    ...pick(previous, event, "error"),
  };
  const instances = [...service.instances.filter((i) => i.instance !== event.instance), instance].sort(
    (a, b) => a.instance - b.instance,
  );
  const services = [...state.services];
  services.splice(index === -1 ? services.length : index, index === -1 ? 0 : 1, { ...service, instances });
  const notable =
    event.state === "failed"
      ? addNotable(
          state,
          event.ts,
          "error",
          `${event.service}.${event.instance} failed${event.error ? `: ${event.error}` : ""}`,
        )
      : state.notable;
  return { ...state, services, notable };
}

function reduceScale(state: SessionState, event: Extract<EngineEvent, { type: "service:scale" }>): SessionState {
  const { type: _type, service: name, v: _v, seq: _seq, ...decision } = event;
  const index = state.services.findIndex((service) => service.name === name);
  const service: ServiceView = index === -1 ? { name, instances: [] } : (state.services[index] as ServiceView);
  const scale: ScaleView = { ...decision, count: (service.scale?.count ?? 0) + 1 };
  const services = [...state.services];
  services.splice(index === -1 ? services.length : index, index === -1 ? 0 : 1, { ...service, scale });
  const kept = [...(state.scaleDecisions?.[name] ?? []), decision];
  const scaleDecisions = {
    ...state.scaleDecisions,
    [name]: kept.length > SCALE_LIMIT ? kept.slice(-SCALE_LIMIT) : kept,
  };
  return { ...state, services, scaleDecisions };
}

function pick<K extends "endpoint" | "zmq" | "launch_ms" | "init_ms" | "publish_ms" | "error">(
  previous: InstanceView | undefined,
  event: Extract<EngineEvent, { type: "service:state" }>,
  key: K,
): Partial<Pick<InstanceView, K>> {
  const value = event[key] ?? previous?.[key];
  return value === undefined ? {} : ({ [key]: value } as Partial<Pick<InstanceView, K>>);
}

function reduceTask(state: SessionState, event: TaskStateEvent & { ts: number }): SessionState {
  const previous = state.tasks[event.id];
  const task: TaskView = {
    id: event.id,
    task: event.task,
    state: event.state,
    cores: event.cores ?? previous?.cores ?? [],
    gpus: event.gpus ?? previous?.gpus ?? [],
    since: event.ts,
  };
  const node = event.node ?? previous?.node;
  if (node !== undefined) task.node = node;
  if (event.state === "pending" && event.waiting_for) task.waiting_for = event.waiting_for;
  const started = event.state === "running" ? event.ts : previous?.started;
  if (started !== undefined) task.started = started;
  if (event.exit_code !== undefined) task.exit_code = event.exit_code;
  if (event.signal !== undefined) task.signal = event.signal;
  if (event.duration_ms !== undefined) task.duration_ms = event.duration_ms;
  const stageIn = event.stage_in_ms ?? previous?.stage_in_ms;
  if (stageIn !== undefined) task.stage_in_ms = stageIn;
  if (event.stage_out_ms !== undefined) task.stage_out_ms = event.stage_out_ms;
  if (event.error !== undefined) task.error = event.error;
  const requests = event.requests ?? previous?.requests;
  if (requests !== undefined) task.requests = requests;
  const taskOrder = previous ? state.taskOrder : [...state.taskOrder, event.id];
  const notable =
    event.state === "failed" || event.state === "skipped"
      ? addNotable(
          state,
          event.ts,
          event.state === "failed" ? "error" : "warn",
          `task ${event.id} ${event.state}${event.error ? `: ${event.error}` : ""}`,
        )
      : state.notable;
  return { ...state, tasks: { ...state.tasks, [event.id]: task }, taskOrder, notable };
}

/** Tasks with the progress a metrics event reports for the running ones (the same object when none). */
function withProgress(tasks: SessionState["tasks"], progress: MetricsEvent["tasks"]): SessionState["tasks"] {
  if (progress === undefined || progress.length === 0) return tasks;
  const next = { ...tasks };
  for (const { id, service: _service, ...requests } of progress) {
    const task = next[id];
    if (task?.state === "running") next[id] = { ...task, requests };
  }
  return next;
}

export function taskCounts(state: SessionState): Record<TaskState, number> {
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  for (const id of state.taskOrder) {
    const task = state.tasks[id];
    if (task) counts[task.state] += 1;
  }
  return counts;
}

export function serviceCounts(state: SessionState): Record<ServiceState, number> {
  const counts = Object.fromEntries(SERVICE_STATES.map((s) => [s, 0])) as Record<ServiceState, number>;
  for (const service of state.services) for (const instance of service.instances) counts[instance.state] += 1;
  return counts;
}

/** Folds a whole event list (replay, `show`). */
export function replay(events: Iterable<EngineEvent>): SessionState {
  let state = initialState;
  for (const event of events) state = reduce(state, event);
  return state;
}
