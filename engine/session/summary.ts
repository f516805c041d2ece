import { join } from "node:path";
import { type SessionState, serviceCounts, taskCounts } from "../state.js";
import { replacePrivateFileSync } from "./private-fs.js";

export const SUMMARY_FILE = "summary.json";

/** The shape of summary.json (docs/session.md). */
export interface SessionSummary {
  v: 1;
  session_id?: string;
  workload?: string;
  workload_file?: string;
  platform?: string;
  version?: string;
  started?: number;
  ended?: number;
  duration_ms?: number;
  exit_code?: number;
  reason?: string;
  allocation?: { state: string; job_id?: string; nodes: Array<{ name: string; cores: number; gpus: number }> };
  tasks: ReturnType<typeof taskCounts>;
  services: ReturnType<typeof serviceCounts>;
  service_instances: Array<{
    service: string;
    instance: number;
    state: string;
    node: string;
    gpus: number[];
    endpoint?: string;
    launch_ms?: number;
    init_ms?: number;
    publish_ms?: number;
    error?: string;
  }>;
  failed_tasks: Array<{ id: string; exit_code?: number | null; signal?: string | null; error?: string }>;
  /** Submissions a session that stayed up (`flotilla up`) accepted; absent when none. */
  submissions?: number;
}

/** Builds summary.json's content from the reduced session state. */
export function buildSummary(state: SessionState): SessionSummary {
  const { session, end, allocation } = state;
  const summary: SessionSummary = {
    v: 1,
    tasks: taskCounts(state),
    services: serviceCounts(state),
    service_instances: state.services.flatMap((service) =>
      service.instances.map((i) => ({
        service: i.service,
        instance: i.instance,
        state: i.state,
        node: i.node,
        gpus: i.gpus,
        ...defined({ endpoint: i.endpoint, launch_ms: i.launch_ms, init_ms: i.init_ms, publish_ms: i.publish_ms }),
        ...defined({ error: i.error }),
      })),
    ),
    failed_tasks: state.taskOrder
      .map((id) => state.tasks[id])
      .filter((t) => t !== undefined && t.state === "failed")
      .map((t) => ({ id: t!.id, ...defined({ exit_code: t!.exit_code, signal: t!.signal, error: t!.error }) })),
  };
  if (state.submissions !== undefined) summary.submissions = state.submissions;
  if (session) {
    Object.assign(summary, {
      session_id: session.session_id,
      workload: session.workload,
      workload_file: session.workload_file,
      platform: session.platform,
      version: session.version,
      started: session.ts,
    });
  }
  if (allocation) {
    summary.allocation = {
      state: allocation.state,
      nodes: allocation.nodes,
      ...defined({ job_id: allocation.job_id }),
    };
  }
  if (end)
    Object.assign(summary, {
      ended: end.ts,
      duration_ms: end.duration_ms,
      exit_code: end.exit_code,
      reason: end.reason,
    });
  return summary;
}

/**
 * Writes summary.json (0600) into the session directory atomically (write,
 * then rename); on an error nothing is left behind and the error is thrown.
 */
export function writeSummary(dir: string, state: SessionState): SessionSummary {
  const summary = buildSummary(state);
  replacePrivateFileSync(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
