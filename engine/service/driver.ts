/**
 * The seam between an instance's lifecycle (instance.ts: states, timing,
 * restarts, teardown) and the two things that differ between kinds of
 * service: what to launch, and how to tell it is ready.
 *
 * - plain `command` services: commandDriver (command-driver.ts);
 * - `backend: noop|openai` (fronted by a Flotilla service host) and remote
 *   `endpoints`: their own drivers, chosen in driverFor (drivers.ts).
 */

import type { Placement } from "../resources.js";
import type { ServiceSpec } from "../workload/schema.js";
import type { CurveClientKeys } from "./endpoints.js";
import type { OutputLines } from "./lines.js";
import type { LivenessProbe } from "./liveness.js";

export interface InstanceContext {
  service: ServiceSpec;
  /** 0-based index within the service. */
  instance: number;
  placement: Placement;
  /** Address other processes use to reach the instance's node. */
  host: string;
  /** A port that was free on the node when the instance was launched. */
  port: number;
  /** How to invoke this Flotilla binary again (e.g. to run a service host). */
  self: string[];
  /** The session directory (drivers may put sockets or extra files there). */
  sessionDir: string;
}

export interface LaunchPlan {
  command: string[];
  /** Added to the inherited environment: the service's `env`, rendered, plus the driver's own. */
  env: Record<string, string>;
}

export interface ReadyResult {
  /** What tasks see in FLOTILLA_SERVICE_<NAME>_URLS. */
  endpoint: string;
  /** The instance's service-host ZeroMQ endpoint, when it has one. */
  zmq?: string;
  /** CURVE keys for that endpoint, when it is TCP with authentication (docs/security.md). */
  keys?: CurveClientKeys;
}

export interface ReadyContext extends InstanceContext {
  /** The launched process's output lines (empty for remote instances). */
  lines: OutputLines;
  /** Pid of the launched process, when there is one. */
  pid?: number;
}

export interface InstanceDriver {
  /** Whether the instance is an already-running remote endpoint: nothing is launched or placed. */
  readonly remote: boolean;
  /** What to start for this instance. Not called for remote drivers. */
  command(context: InstanceContext): LaunchPlan;
  /**
   * Resolves once the instance is ready, with what it publishes. Rejects with
   * `signal.reason` when the signal aborts (startup_timeout, the process
   * exited, or teardown); rejects with an Error to fail the instance.
   */
  waitReady(context: ReadyContext, signal: AbortSignal): Promise<ReadyResult>;
  /**
   * How to check the ready instance is still alive (liveness.ts); undefined
   * when there is no way to ask it (then only its exit is noticed).
   */
  liveness?(context: InstanceContext, ready: ReadyResult): LivenessProbe | undefined;
  /**
   * Why the launched process exited, read from its last stderr lines, when
   * they say more than its exit code (a service host exits 3 whatever its
   * backend did). Undefined: the exit code is the cause.
   */
  explainExit?(stderrTail: readonly string[]): string | undefined;
}
