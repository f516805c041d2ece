import { FlotillaError } from "../../errors.js";
import { gpuIndicesFromGresDetail } from "./gres.js";
import { expandNodeList } from "./nodelist.js";

/** What Flotilla needs of one job, read from `squeue --json`. */
export interface SlurmJob {
  id: string;
  name: string;
  /** The job's base state in upper case: PENDING, RUNNING, COMPLETING, CANCELLED, … */
  state: string;
  /** Slurm's reason while pending or why it ended ("None" when there is none). */
  reason: string;
  partition: string;
  /** Allocated node names in order (empty while pending). */
  nodes: string[];
  priority: number;
  submitTime: number | undefined;
  /** Seconds since epoch; for a running job, when its time limit runs out. */
  endTime: number | undefined;
  /** GPU indices the job holds on each allocated node, by node name. */
  gpusByNode: Map<string, number[]>;
  /** Allocated cores on each node, by node name, when squeue reports them. */
  coresByNode: Map<string, number>;
}

/** States in which a job holds, or may still come to hold, resources. */
const LIVE_STATES = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "REQUEUED",
  "RESIZING",
  "SIGNALING",
  "STAGE_OUT",
  "STOPPED",
]);

export function isLiveState(state: string): boolean {
  return LIVE_STATES.has(state);
}

/**
 * Parses `squeue --json`. Tolerates the shapes of Slurm 21.08 to 24.x: states
 * as a string or a list of flags, numbers as plain numbers or as
 * `{set, infinite, number}` objects.
 */
export function parseSqueueJson(text: string): SlurmJob[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FlotillaError("PLATFORM_UNAVAILABLE", "squeue --json printed something that is not JSON", {
      cause: error,
      context: { head: text.slice(0, 200) },
    });
  }
  const jobs = isRecord(data) ? data.jobs : undefined;
  if (!Array.isArray(jobs)) {
    throw new FlotillaError("PLATFORM_UNAVAILABLE", "squeue --json printed no `jobs` list", {
      context: { head: text.slice(0, 200) },
    });
  }
  return jobs.filter(isRecord).map(toJob);
}

function toJob(raw: Record<string, unknown>): SlurmJob {
  const nodes = typeof raw.nodes === "string" ? expandNodeList(raw.nodes) : [];
  const gpusByNode = new Map<string, number[]>();
  const details = Array.isArray(raw.gres_detail) ? raw.gres_detail : [];
  nodes.forEach((node, i) => {
    const detail = details[i];
    if (typeof detail === "string") gpusByNode.set(node, gpuIndicesFromGresDetail(detail));
  });
  return {
    id: String(num(raw.job_id) ?? raw.job_id ?? ""),
    name: typeof raw.name === "string" ? raw.name : "",
    state: baseState(raw.job_state),
    reason: typeof raw.state_reason === "string" ? raw.state_reason : "None",
    partition: typeof raw.partition === "string" ? raw.partition : "",
    nodes,
    priority: num(raw.priority) ?? 0,
    submitTime: num(raw.submit_time),
    endTime: num(raw.end_time),
    gpusByNode,
    coresByNode: coresByNode(raw.job_resources),
  };
}

function baseState(value: unknown): string {
  if (typeof value === "string") return value.toUpperCase();
  // Slurm 23.02+: a list of flags, base state first.
  if (Array.isArray(value) && typeof value[0] === "string") return value[0].toUpperCase();
  return "UNKNOWN";
}

/** A plain number, or Slurm 23.02+'s {set, infinite, number}; undefined when unset or infinite. */
function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (isRecord(value) && value.set === true && value.infinite !== true) return num(value.number);
  return undefined;
}

function coresByNode(resources: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (!isRecord(resources)) return out;
  const list = Array.isArray(resources.allocated_nodes) ? resources.allocated_nodes : [];
  for (const node of list) {
    if (!isRecord(node) || typeof node.nodename !== "string" || !isRecord(node.sockets)) continue;
    let cores = 0;
    for (const socket of Object.values(node.sockets)) {
      if (isRecord(socket) && isRecord(socket.cores)) cores += Object.keys(socket.cores).length;
    }
    out.set(node.nodename, cores);
  }
  return out;
}

/**
 * 1-based position of a pending job among the pending jobs of its partition,
 * in the order the scheduler considers them (priority, then submit time, then
 * id). Undefined when the job is not pending.
 */
export function queuePosition(jobs: readonly SlurmJob[], id: string): number | undefined {
  const job = jobs.find((j) => j.id === id);
  if (job?.state !== "PENDING") return undefined;
  const queue = jobs
    .filter((j) => j.state === "PENDING" && j.partition === job.partition)
    .sort(
      (a, b) =>
        b.priority - a.priority ||
        (a.submitTime ?? 0) - (b.submitTime ?? 0) ||
        Number(a.id) - Number(b.id) ||
        a.id.localeCompare(b.id),
    );
  return queue.findIndex((j) => j.id === id) + 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
