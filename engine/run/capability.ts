/**
 * What the request path brings to a run, as run/ sees it: the drivers of
 * instances that are not plain commands, the executor of inference tasks,
 * the environment of tasks that `use` a service, and a start/stop around
 * the run. The engine builds the one implementation
 * (request/request-path.ts); run/ needs only this shape, so it never
 * imports the request path.
 */
import type { ServiceDrivers } from "../service/drivers.js";
import type { TaskInstance } from "../workload/expand.js";
import type { TaskExecutor } from "./tasks.js";

export interface RequestCapability {
  readonly drivers: ServiceDrivers;
  /** The executor of `unit` when it is not a plain process (inference tasks). */
  executorFor(unit: TaskInstance): TaskExecutor | undefined;
  /** Extra env for a task that `uses` `service` (FLOTILLA_SERVICE_<NAME>_HTTP, _ZMQ, OpenAI variables). */
  serviceEnv(service: string): Record<string, string>;
  /**
   * The load on a service that takes requests: requests outstanding (in
   * flight and queued) on its instances in rotation plus those waiting for
   * one, and how many are in rotation. Undefined when it takes none.
   */
  load(service: string): { outstanding: number; instances: number } | undefined;
  /**
   * Sends no new request to the instance and waits, at most `timeoutMs`, until
   * those it has are answered; "absent" when the request path does not know it.
   */
  drain(service: string, instance: number, timeoutMs: number): Promise<"drained" | "timeout" | "absent">;
  /** Started once the allocation is active, before any service or task. */
  start(): Promise<void>;
  /** Stopped at teardown, after tasks are canceled and before services stop. */
  stop(): Promise<void>;
}
