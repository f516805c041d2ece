/**
 * Runs an inference task: every request in its `requests` file goes through
 * the service's dispatcher with `concurrency` in flight. Results land in
 * `<session>/tasks/<task>/responses.jsonl` (executor.ts) in input order, one line per request,
 * whatever happened to it (docs/requests.md).
 */

import type { WriteStream } from "node:fs";
import { createPrivateWriteStream } from "../../session/private-fs.js";
import { reportWriteFailure } from "../../session/write-errors.js";
import type { BalancerName } from "../../workload/schema.js";
import { createBalancer } from "../dispatch/balancer.js";
import type { ChannelRequest } from "../dispatch/channel.js";
import type { Dispatcher, DispatchResult } from "../dispatch/dispatcher.js";

export interface InferenceTaskOptions {
  /** Task id, used as the profile's `source`. */
  task: string;
  /**
   * Handed over: each entry is dropped from the array once it is sent, so a
   * run of a million requests does not keep every one it has already sent.
   */
  requests: Array<ChannelRequest | undefined>;
  dispatcher: Dispatcher;
  concurrency: number;
  /** Absent: the service's (the dispatcher's default). */
  balance?: BalancerName | undefined;
  requestTimeoutMs: number;
  maxAttempts: number;
  /** responses.jsonl of this task. */
  outputPath: string;
  signal?: AbortSignal;
  /** Handed the summary as soon as it counts (progress.ts reads it while the task runs). */
  onStart?: (summary: InferenceSummary) => void;
}

export interface InferenceSummary {
  total: number;
  ok: number;
  errors: number;
  /** Errors by kind (timeout, rejected, unavailable, backend, protocol, canceled). */
  errorKinds: Record<string, number>;
  durationMs: number;
  outputPath: string;
  /** Some responses could not be written (a full disk): why, in words. */
  outputError?: string;
}

export interface ResponseRecord {
  index: number;
  status: "ok" | "error";
  instance: number | null;
  response?: unknown;
  error?: string;
  error_kind?: string;
  http_status?: number;
  attempts: number;
  communication_ms: number | null;
  service_ms: number | null;
  inference_ms: number | null;
  total_ms: number | null;
}

export async function runInferenceTask(options: InferenceTaskOptions): Promise<InferenceSummary> {
  const started = performance.now();
  const { requests, dispatcher } = options;
  let out: WriteStream;
  try {
    out = createPrivateWriteStream(options.outputPath, "w");
  } catch (error) {
    throw reportWriteFailure(options.outputPath, error);
  }
  let outputError: string | undefined;
  out.once("error", (error) => {
    outputError ??= reportWriteFailure(options.outputPath, error).message;
  });
  out.on("error", () => {});
  const balancer = options.balance === undefined ? undefined : createBalancer(options.balance);
  // Requests finish out of order; lines are written once every earlier one is.
  const finished = new Map<number, ResponseRecord>();
  let nextToWrite = 0;
  const summary: InferenceSummary = {
    total: requests.length,
    ok: 0,
    errors: 0,
    errorKinds: {},
    durationMs: 0,
    outputPath: options.outputPath,
  };
  options.onStart?.(summary);
  const settle = (record: ResponseRecord) => {
    if (record.status === "ok") summary.ok++;
    else {
      summary.errors++;
      const kind = record.error_kind ?? "error";
      summary.errorKinds[kind] = (summary.errorKinds[kind] ?? 0) + 1;
    }
    finished.set(record.index, record);
    for (let next = finished.get(nextToWrite); next !== undefined; next = finished.get(nextToWrite)) {
      finished.delete(nextToWrite);
      if (!out.destroyed) out.write(`${JSON.stringify(next)}\n`);
      nextToWrite++;
    }
  };
  let cursor = 0;
  const worker = async () => {
    for (let index = cursor++; index < requests.length; index = cursor++) {
      if (options.signal?.aborted) {
        settle(notSent(index));
        continue;
      }
      const request = requests[index]!;
      requests[index] = undefined;
      const result = await dispatcher.dispatch(request, {
        source: options.task,
        index,
        ...(balancer === undefined ? {} : { balancer }),
        timeoutMs: options.requestTimeoutMs,
        maxAttempts: options.maxAttempts,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      settle(toRecord(index, result));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, requests.length)) }, worker));
  await new Promise<void>((resolve) => {
    if (out.closed) resolve();
    else {
      out.once("close", () => resolve());
      out.end();
    }
  });
  summary.durationMs = performance.now() - started;
  if (outputError !== undefined) summary.outputError = outputError;
  return summary;
}

function toRecord(index: number, result: DispatchResult): ResponseRecord {
  const timing = result.timing;
  const record: ResponseRecord = {
    index,
    status: result.status,
    instance: result.instance ?? null,
    attempts: result.attempts,
    communication_ms: timing ? round(timing.communication_ms) : null,
    service_ms: timing ? round(timing.service_ms) : null,
    inference_ms: timing ? round(timing.inference_ms) : null,
    total_ms: timing ? round(timing.total_ms) : null,
  };
  if (result.status === "ok") record.response = result.response;
  else {
    record.error = result.error ?? "request failed";
    if (result.error_kind !== undefined) record.error_kind = result.error_kind;
    if (result.response !== undefined) record.response = result.response;
  }
  if (result.http_status !== undefined) record.http_status = result.http_status;
  return record;
}

function notSent(index: number): ResponseRecord {
  return {
    index,
    status: "error",
    instance: null,
    error: "canceled before it was sent",
    error_kind: "canceled",
    attempts: 0,
    communication_ms: null,
    service_ms: null,
    inference_ms: null,
    total_ms: null,
  };
}

const round = (ms: number): number => Math.round(ms * 1_000) / 1_000;

/** One line for the task's log event, and its error text when requests failed. */
export function describeSummary(summary: InferenceSummary): { message: string; error?: string } {
  const seconds = summary.durationMs / 1_000;
  const rate = seconds > 0 ? summary.total / seconds : 0;
  const message = `${summary.total} requests, ${summary.ok} ok, ${summary.errors} errors in ${seconds.toFixed(2)} s (${rate.toFixed(1)} req/s); responses in ${summary.outputPath}`;
  if (summary.errors === 0) return { message };
  const kinds = Object.entries(summary.errorKinds)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
  return {
    message,
    error: `${summary.errors} of ${summary.total} requests failed (${kinds}); see ${summary.outputPath}`,
  };
}
