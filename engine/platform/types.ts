import type { AllocationStateEvent } from "../events.js";
import type { Launcher } from "../launch/types.js";
import type { NodeResources } from "../resources.js";

// Re-exported so that code written against the old home keeps compiling: the
// process contracts belong to launch/, the resources to the ground floor.
export type { ExitRecord, Launcher, LaunchSpec, RunningProcess } from "../launch/types.js";
export type { NodeResources } from "../resources.js";

/** What the workload (merged with flags and config) asks of a platform. */
export interface AllocationRequest {
  nodes: number;
  /** Per node; undefined = detect (local) or the platform's default. */
  cores?: number;
  gpus?: number;
  walltimeMs?: number;
  partition?: string;
  account?: string;
  qos?: string;
  constraint?: string;
  reservation?: string;
  extraArgs: string[];
  /** A name for the batch job, e.g. "flotilla-<workload>". */
  jobName: string;
  sessionDir: string;
}

export interface Allocation {
  platform: string;
  jobId?: string;
  nodes: NodeResources[];
  /** Milliseconds since epoch at which the allocation ends, when bounded. */
  deadline?: number;
  /** Give the allocation back. Idempotent; never throws for an already-gone job. */
  release(): Promise<void>;
}

export type AllocationObserver = (state: Omit<AllocationStateEvent, "type" | "platform">) => void;

export interface Platform {
  readonly name: string;
  /**
   * Acquire an allocation. Reports pending/active through `observe`; rejects with
   * a FlotillaError("ALLOCATION_FAILED" | "PLATFORM_UNAVAILABLE") and leaves nothing behind
   * when it fails or `signal` aborts.
   */
  acquire(request: AllocationRequest, signal: AbortSignal, observe: AllocationObserver): Promise<Allocation>;
  launcher(allocation: Allocation): Launcher;
}
