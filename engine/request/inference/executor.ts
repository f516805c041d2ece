/**
 * Inference tasks run inside the engine, not as processes: this executor
 * gives the task runner the same RunningProcess shape for one. Exit code 0
 * when every request got a reply, 1 when any ended in error; either way a
 * `log` event carries the counts, and `tasks/<id>/responses.jsonl` every
 * request's outcome (docs/requests.md).
 */
import { setMaxListeners } from "node:events";
import { join, resolve } from "node:path";
import { errorMessage } from "../../errors.js";
import type { LogEvent, RequestProgress } from "../../events.js";
import type { ExitRecord, RunningProcess } from "../../launch/types.js";
import type { TaskExecutor } from "../../run/tasks.js";
import type { TaskInstance } from "../../workload/expand.js";
import type { DispatcherSet } from "../dispatch/dispatchers.js";
import { type InferenceProgress, progressOf } from "./progress.js";
import { readRequests } from "./requests.js";
import { describeSummary, runInferenceTask } from "./task.js";

export interface InferenceExecutorOptions {
  dispatchers: DispatcherSet;
  /** Directory of the workload file: `requests` paths are relative to it. */
  workloadDir: string;
  sessionDir: string;
  log: (level: LogEvent["level"], message: string, subject: string) => void;
  /** Where running tasks' progress is followed (metrics events). */
  progress?: InferenceProgress;
}

/** Where an inference task's results go. */
export function responsesPath(sessionDir: string, taskId: string): string {
  return join(sessionDir, "tasks", taskId, "responses.jsonl");
}

export function isInferenceTask(unit: TaskInstance): boolean {
  return unit.spec.service !== undefined && unit.spec.requests !== undefined;
}

export function inferenceExecutor(options: InferenceExecutorOptions): TaskExecutor {
  return (unit, placement) => {
    const { spec } = unit;
    const controller = new AbortController();
    const started = performance.now();
    const record = (fields: Partial<ExitRecord>): ExitRecord => ({
      exitCode: null,
      signal: null,
      timedOut: false,
      canceled: controller.signal.aborted,
      failed: true,
      durationMs: performance.now() - started,
      ...fields,
    });
    let untrack: (() => RequestProgress) | undefined;
    const run = async (): Promise<ExitRecord> => {
      const dispatcher = options.dispatchers.get(spec.service ?? "");
      if (!dispatcher) {
        return record({
          cause: new Error(`service ${spec.service} takes no requests (give it a backend or endpoints)`),
        });
      }
      let requests: Awaited<ReturnType<typeof readRequests>>;
      try {
        requests = await readRequests(resolve(options.workloadDir, spec.requests ?? ""));
      } catch (error) {
        return record({ cause: error });
      }
      const timeout = spec.timeout === undefined ? undefined : AbortSignal.timeout(spec.timeout);
      const signal = timeout ? AbortSignal.any([controller.signal, timeout]) : controller.signal;
      // Each request in flight may wait on this signal: `concurrency` listeners is the design, not a leak.
      setMaxListeners(spec.concurrency + 10, signal);
      const summary = await runInferenceTask({
        task: unit.id,
        requests,
        dispatcher,
        concurrency: spec.concurrency,
        balance: spec.balance,
        requestTimeoutMs: spec.request_timeout,
        maxAttempts: spec.max_attempts,
        outputPath: responsesPath(options.sessionDir, unit.id),
        signal,
        onStart: (counts) => {
          untrack = options.progress?.track(unit.id, spec.service ?? "", counts);
        },
      });
      const requestsRecord = untrack?.() ?? progressOf(summary, performance.now() - started);
      const { message, error } = describeSummary(summary);
      options.log(
        error === undefined ? "info" : "error",
        error === undefined ? message : `${message}; ${error}`,
        unit.id,
      );
      const timedOut = timeout?.aborted === true && !controller.signal.aborted;
      return record({
        exitCode: error === undefined ? 0 : 1,
        failed: error !== undefined || timedOut,
        timedOut,
        ...(summary.outputError === undefined ? {} : { outputError: summary.outputError }),
        requests: requestsRecord,
      });
    };
    const exited = run().catch((error: unknown) => record({ cause: new Error(errorMessage(error)) }));
    const process: RunningProcess = {
      id: unit.id,
      pid: undefined,
      node: placement.node,
      exited,
      stop: () => {
        controller.abort();
        return exited;
      },
    };
    return process;
  };
}
