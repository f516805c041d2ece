/**
 * The EngineEvent union: the one stream every sink reads (TUI, NDJSON, text,
 * events.jsonl). This is a contract (docs/events.md): add fields, never
 * rename or remove them without bumping `v`.
 */

export const EVENT_VERSION = 1 as const;

export const SERVICE_STATES = ["pending", "launching", "initializing", "ready", "failed", "stopped"] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

/**
 * Why an instance entered a state, where it is not plain progress: `exited`
 * (after ready, on its own), `unresponsive` (failed its liveness checks; it
 * is killed), `start_failed` (not ready), `restart` (launching again).
 */
export const SERVICE_STATE_REASONS = ["exited", "unresponsive", "start_failed", "restart"] as const;
export type ServiceStateReason = (typeof SERVICE_STATE_REASONS)[number];

/** `skipped`: never ran because a task it comes `after` did not end `done`. */
export const TASK_STATES = ["pending", "scheduled", "running", "done", "failed", "canceled", "skipped"] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const ALLOCATION_STATES = ["pending", "active", "released", "failed"] as const;
export type AllocationState = (typeof ALLOCATION_STATES)[number];

export interface NodeSummary {
  name: string;
  cores: number;
  gpus: number;
}

export interface SessionStartEvent {
  type: "session:start";
  session_id: string;
  workload: string;
  workload_file: string;
  platform: string;
  session_dir: string;
  version: string;
  pid: number;
  /** Where each effective setting came from (flag, workload, config, default). */
  settings?: Record<string, { value: unknown; source: "flag" | "workload" | "config" | "default" | "environment" }>;
}

export interface AllocationStateEvent {
  type: "allocation:state";
  state: AllocationState;
  platform: string;
  nodes: NodeSummary[];
  /** Batch-system job id, when there is one. */
  job_id?: string;
  /** Why it is pending or failed (e.g. Slurm's reason, or the error). */
  reason?: string;
  /** Position in the batch queue while pending, when known. */
  queue_position?: number;
  /** Milliseconds since epoch at which the allocation ends, when bounded. */
  deadline?: number;
  /** Pending → active wait, on the active event. */
  wait_ms?: number;
}

export interface ServiceStateEvent {
  type: "service:state";
  service: string;
  /** Instance index within the service, 0-based. */
  instance: number;
  state: ServiceState;
  node: string;
  cores: number[];
  gpus: number[];
  /** Published endpoint(s), once ready. `endpoint` is the backend's own (e.g. http://127.0.0.1:PORT). */
  endpoint?: string;
  /** ZeroMQ endpoint of the instance's service host, once ready (request path). */
  zmq?: string;
  /** Remote (already running, not launched) instance. */
  remote?: boolean;
  pid?: number;
  restarts?: number;
  /** On `failed` and on a restart's `launching`: why (SERVICE_STATE_REASONS). */
  reason?: ServiceStateReason;
  /** On `failed` when a restart follows: how long it waits first (backoff). */
  restart_in_ms?: number;
  /** Bootstrap breakdown, on `ready`. */
  launch_ms?: number;
  init_ms?: number;
  publish_ms?: number;
  /** On `failed`: the cause, and the last lines of the instance's stderr. */
  error?: string;
  stderr_tail?: string[];
}

export interface TaskStateEvent {
  type: "task:state";
  /** Task definition name. */
  task: string;
  /** Unique id of this task instance, e.g. "hello.2" or "sweep.a". */
  id: string;
  state: TaskState;
  node?: string;
  cores?: number[];
  gpus?: number[];
  /** MPI tasks (`ranks` > 1): one slot per rank; node/cores/gpus above are rank 0's. */
  slots?: Array<{ node: string; cores: number[]; gpus: number[] }>;
  /** While pending: what it waits for. */
  waiting_for?: { resources?: boolean; services?: string[]; tasks?: string[] };
  exit_code?: number | null;
  signal?: string | null;
  duration_ms?: number;
  error?: string;
  pid?: number;
  /** Some of its output could not be written to the session (a full disk); `error` says why. */
  output_incomplete?: boolean;
  /** Inference tasks, on `done`/`failed`/`canceled`: how far their requests got. */
  requests?: RequestProgress;
  /** Tasks with a workdir, on `running` (or on `failed` when staging in failed): ms spent preparing it and staging inputs. */
  stage_in_ms?: number;
  /** Tasks with a workdir, on `done`/`failed`/`canceled`: ms spent collecting outputs (and removing a node-local sandbox). */
  stage_out_ms?: number;
  /** Tasks with a workdir: where the process ran (on its node). */
  workdir?: string;
}

/** How far an inference task's requests are. */
export interface RequestProgress {
  /** Requests in its `requests` file. */
  total: number;
  /** Requests that ended: answered, or failed after all their attempts. */
  done: number;
  /** Of `done`, those that failed. */
  errors: number;
  /** Requests done per second since the task started. */
  rate: number;
  /** Estimated time until the last one is done, at `rate`; absent before the first is done and once all are. */
  eta_ms?: number;
}

/** A running inference task's progress, in `metrics` events. */
export interface TaskProgress extends RequestProgress {
  /** Task instance id. */
  id: string;
  /** The service its requests go to. */
  service: string;
}

/**
 * Tasks a running session accepted (`flotilla submit`, the control socket),
 * before any of their `task:state` events.
 */
export interface TaskSubmittedEvent {
  type: "task:submitted";
  /** 1, 2, … in the order the session accepted them. */
  submission: number;
  /** The submitted text as kept in the session directory, relative to it. */
  file: string;
  /** Where it came from, as the submitter named it. */
  source: string;
  /** Instance ids of the accepted tasks, in order. */
  tasks: string[];
  /** Task definitions renamed because the session already had one of that name: original → new. */
  renamed?: Record<string, string>;
  /** Services the submission added to the session (their service:state events follow). */
  services?: string[];
}

/** Why a service's instance count changed: the autoscaler's rule, or the pilot's `flotilla scale`. */
export const SCALE_REASONS = ["load_high", "load_low", "manual"] as const;
export type ScaleReason = (typeof SCALE_REASONS)[number];

/** The load a scale decision was made on. */
export interface ScaleLoad {
  /** Requests in flight and queued on the ready instances, plus those waiting in the dispatcher for an instance. */
  outstanding: number;
  /** Ready instances (in rotation). */
  instances: number;
  /** outstanding / instances (outstanding itself when none is ready). */
  per_instance: number;
  /** The service's `autoscale.target_outstanding` (0 for a service without autoscale). */
  target: number;
}

/**
 * A service's instance count changes: the autoscaler adds or drains
 * instances (`load_high`, `load_low`), or `flotilla scale` asked (`manual`).
 */
export interface ServiceScaleEvent {
  type: "service:scale";
  service: string;
  /** Instances before (launched, not draining). */
  from: number;
  /** Instances after. */
  to: number;
  reason: ScaleReason;
  /** Indexes of the instances added (to > from) or drained (to < from). */
  instances?: number[];
  load: ScaleLoad;
  /** When a scale-up was limited: "max", "no free cores/GPUs", "pending tasks need the resources". */
  held_back?: string;
  /** The service's `autoscale` range, on the autoscaler's decisions (absent on `manual`: autoscaling is then off). */
  min?: number;
  max?: number;
}

export interface LogEvent {
  type: "log";
  level: "debug" | "info" | "warn" | "error";
  message: string;
  /** What it concerns: a service, instance or task id. */
  subject?: string;
  code?: string;
}

export interface WalltimeWarningEvent {
  type: "walltime:warning";
  deadline: number;
  remaining_ms: number;
}

/** Percentiles of one latency component in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RequestComponentStats {
  communication: LatencySummary;
  service: LatencySummary;
  inference: LatencySummary;
  total: LatencySummary;
  /** Streamed requests only, present once there is one: time to the first piece (to the first token). */
  first_piece?: LatencySummary;
}

export interface InstanceMetrics {
  instance: number;
  endpoint: string;
  completed: number;
  errors: number;
  inflight: number;
  queue_depth: number;
  latency: RequestComponentStats;
}

export interface ServiceMetrics {
  service: string;
  completed: number;
  errors: number;
  retries: number;
  rejected: number;
  /** Requests per second over the last interval. */
  rate: number;
  inflight: number;
  queue_depth: number;
  latency: RequestComponentStats;
  instances: InstanceMetrics[];
}

/** About once a second while requests flow, and once at the end (`final: true`). */
export interface MetricsEvent {
  type: "metrics";
  final: boolean;
  services: ServiceMetrics[];
  /** Inference tasks running now, when there are any. */
  tasks?: TaskProgress[];
}

export interface SessionEndEvent {
  type: "session:end";
  exit_code: number;
  reason: string;
  duration_ms: number;
  tasks: Record<TaskState, number>;
  services: Record<ServiceState, number>;
  /**
   * Present only on a session:end the reaper wrote because the engine died
   * without ending the session (SIGKILL, the OOM killer): when it noticed, ms since epoch.
   */
  engine_died?: { at: number; pid: number; host: string };
}

export type EngineEventBody =
  | SessionStartEvent
  | AllocationStateEvent
  | ServiceStateEvent
  | TaskStateEvent
  | TaskSubmittedEvent
  | ServiceScaleEvent
  | LogEvent
  | WalltimeWarningEvent
  | MetricsEvent
  | SessionEndEvent;

export interface EventEnvelope {
  v: typeof EVENT_VERSION;
  /** Strictly increasing within a session, from 1. */
  seq: number;
  /** Milliseconds since epoch. */
  ts: number;
}

export type EngineEvent = EventEnvelope & EngineEventBody;
export type EngineEventType = EngineEvent["type"];
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;

export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
