/**
 * Event sequences in the engine's order (session → allocation → services
 * placed, launched, ready → tasks → metrics → end), stamped like the bus
 * stamps them, for folding through the shared reducer.
 */
import {
  type EngineEvent,
  type EngineEventBody,
  EVENT_VERSION,
  type LatencySummary,
  type ServiceMetrics,
} from "../../engine/events.js";

export const T0 = Date.UTC(2026, 0, 15, 9, 30, 0);

export class EventLog {
  readonly events: EngineEvent[] = [];
  private seq = 0;
  constructor(public ts = T0) {}

  at(ms: number): this {
    this.ts = T0 + ms;
    return this;
  }

  emit(body: EngineEventBody): this {
    this.seq += 1;
    this.events.push({ v: EVENT_VERSION, seq: this.seq, ts: this.ts, ...body } as EngineEvent);
    return this;
  }
}

export function latency(p50: number, p95: number, count = 100): LatencySummary {
  return { count, mean: p50 * 1.1, p50, p95, p99: p95 * 1.2, max: p95 * 1.5 };
}

export function serviceMetrics(service: string, rate: number, parts: [number, number, number]): ServiceMetrics {
  const [comm, svc, inf] = parts;
  return {
    service,
    completed: 1200,
    errors: 0,
    retries: 0,
    rejected: 0,
    rate,
    inflight: 6,
    queue_depth: 3,
    latency: {
      communication: latency(comm, comm * 3),
      service: latency(svc, svc * 2),
      inference: latency(inf, inf * 1.5),
      total: latency(comm + svc + inf, (comm + svc + inf) * 1.8),
    },
    instances: [],
  };
}

/** Two services (llm: 2 replicas on GPUs 0,1; embed: 1 on GPU 2), tasks in every state. */
export function liveSession(): EventLog {
  const log = new EventLog();
  log.emit({
    type: "session:start",
    session_id: "20260115-093000-ab12",
    workload: "demo",
    workload_file: "demo.yaml",
    platform: "local",
    session_dir: "/nonexistent/session",
    version: "0.1.0",
    pid: 4242,
  });
  log.at(5).emit({ type: "allocation:state", state: "pending", platform: "local", nodes: [] });
  log.at(20).emit({
    type: "allocation:state",
    state: "active",
    platform: "local",
    nodes: [{ name: "node0", cores: 8, gpus: 4 }],
    deadline: T0 + 30 * 60_000,
    wait_ms: 15,
  });
  const placed = [
    { service: "llm", instance: 0, cores: [0, 1], gpus: [0] },
    { service: "llm", instance: 1, cores: [2, 3], gpus: [1] },
    { service: "embed", instance: 0, cores: [4], gpus: [2] },
  ];
  for (const p of placed) log.at(30).emit({ type: "service:state", state: "pending", node: "node0", ...p });
  for (const p of placed) log.at(40).emit({ type: "service:state", state: "launching", node: "node0", ...p });
  for (const p of placed)
    log.at(60).emit({ type: "service:state", state: "initializing", node: "node0", pid: 100, ...p });
  const [llm0, llm1, embed0] = placed as [(typeof placed)[0], (typeof placed)[0], (typeof placed)[0]];
  log.at(900).emit({
    type: "service:state",
    state: "ready",
    node: "node0",
    ...llm0,
    endpoint: "http://127.0.0.1:41001",
    launch_ms: 20,
    init_ms: 840,
    publish_ms: 5,
  });
  log.at(1_100).emit({
    type: "service:state",
    state: "ready",
    node: "node0",
    ...embed0,
    endpoint: "http://127.0.0.1:41003",
    launch_ms: 18,
    init_ms: 300,
    publish_ms: 4,
  });
  log.at(1_500).emit({
    type: "service:state",
    state: "ready",
    node: "node0",
    ...llm1,
    endpoint: "http://127.0.0.1:41002",
    launch_ms: 22,
    init_ms: 1_420,
    publish_ms: 6,
  });
  for (let i = 0; i < 6; i += 1)
    log.at(1_510).emit({
      type: "task:state",
      task: "prompt",
      id: `prompt.${i}`,
      state: "pending",
      waiting_for: { services: ["llm"] },
    });
  for (let i = 0; i < 4; i += 1)
    log.at(1_600).emit({
      type: "task:state",
      task: "prompt",
      id: `prompt.${i}`,
      state: "running",
      node: "node0",
      cores: [5 + (i % 3)],
      gpus: [],
      pid: 200 + i,
    });
  log
    .at(1_610)
    .emit({ type: "task:state", task: "prompt", id: "prompt.4", state: "pending", waiting_for: { resources: true } });
  log
    .at(1_610)
    .emit({ type: "task:state", task: "prompt", id: "prompt.5", state: "pending", waiting_for: { resources: true } });
  log.at(3_000).emit({
    type: "task:state",
    task: "prompt",
    id: "prompt.0",
    state: "done",
    node: "node0",
    exit_code: 0,
    signal: null,
    duration_ms: 1_400,
  });
  log.at(3_200).emit({
    type: "task:state",
    task: "prompt",
    id: "prompt.1",
    state: "failed",
    node: "node0",
    exit_code: 1,
    signal: null,
    duration_ms: 1_600,
    error: "exit code 1",
  });
  log.at(3_300).emit({ type: "log", level: "warn", message: "llm.1 slow to answer: 3 retries", subject: "llm.1" });
  log.at(4_000).emit({
    type: "metrics",
    final: false,
    services: [serviceMetrics("llm", 152.4, [0.4, 1.2, 18.5]), serviceMetrics("embed", 310, [0.3, 0.9, 4.2])],
  });
  log.at(5_000).emit({ type: "log", level: "info", message: "prompt.2 halfway", subject: "prompt.2" });
  return log;
}

/** liveSession, then everything finishes and the session ends cleanly. */
export function finishedSession(): EventLog {
  const log = liveSession();
  for (const id of ["prompt.2", "prompt.3"])
    log.at(6_000).emit({
      type: "task:state",
      task: "prompt",
      id,
      state: "done",
      node: "node0",
      exit_code: 0,
      signal: null,
      duration_ms: 4_400,
    });
  for (const id of ["prompt.4", "prompt.5"]) {
    log
      .at(6_100)
      .emit({ type: "task:state", task: "prompt", id, state: "running", node: "node0", cores: [5], gpus: [] });
    log.at(7_000).emit({
      type: "task:state",
      task: "prompt",
      id,
      state: "done",
      node: "node0",
      exit_code: 0,
      signal: null,
      duration_ms: 900,
    });
  }
  log.at(7_100).emit({
    type: "metrics",
    final: true,
    services: [serviceMetrics("llm", 140, [0.4, 1.1, 17.9]), serviceMetrics("embed", 300, [0.3, 0.8, 4.0])],
  });
  for (const [service, instance] of [
    ["llm", 0],
    ["llm", 1],
    ["embed", 0],
  ] as const)
    log
      .at(7_200)
      .emit({ type: "service:state", service, instance, state: "stopped", node: "node0", cores: [], gpus: [] });
  log.at(7_300).emit({
    type: "allocation:state",
    state: "released",
    platform: "local",
    nodes: [{ name: "node0", cores: 8, gpus: 4 }],
  });
  log.at(7_400).emit({
    type: "session:end",
    exit_code: 1,
    reason: "a task failed",
    duration_ms: 7_400,
    tasks: { pending: 0, scheduled: 0, running: 0, done: 5, failed: 1, canceled: 0, skipped: 0 },
    services: { pending: 0, launching: 0, initializing: 0, ready: 0, failed: 0, stopped: 3 },
  });
  return log;
}
