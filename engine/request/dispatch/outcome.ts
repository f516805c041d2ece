/**
 * What a failed attempt means for the dispatcher, read from the outcome
 * table (outcome-table.ts): the error the request ends with if it is not
 * retried, whether another instance may try it, and whether the instance
 * that failed leaves rotation (docs/requests.md, "Failures, retries and
 * timeouts").
 */
import type { RequestTiming } from "../../metrics/timing.js";
import { isChannelError } from "./channel.js";
import {
  CANCELED_OUTCOME,
  CHANNEL_OUTCOMES,
  type DispatchErrorKind,
  mayRetry,
  UNCLASSIFIED_OUTCOME,
} from "./outcome-table.js";

export type { DispatchErrorKind };

export interface DispatchResult {
  status: "ok" | "error";
  /** Instance that answered, or the last one tried. */
  instance?: number;
  endpoint?: string;
  attempts: number;
  /** The backend's reply body (also set for backend errors, to pass them on). */
  response?: unknown;
  /** The backend's HTTP status, when one answered. */
  http_status?: number;
  error?: string;
  error_kind?: DispatchErrorKind;
  timing?: RequestTiming;
  /** Timestamps of the answering attempt (for the profile). */
  stamps?: Record<string, number>;
}

/** One attempt's result, and whether another instance may try the request. */
export type AttemptOutcome = DispatchResult & { retry?: boolean };

export interface FailedAttemptContext {
  service: string;
  instance: number;
  endpoint: string;
  /** The caller aborted the request. */
  canceled: boolean;
  /** The dispatcher itself is closing: nothing is retried. */
  closing: boolean;
}

export interface FailedAttempt {
  outcome: AttemptOutcome;
  /** Why the instance leaves rotation, when it does. */
  takeOut?: string;
  /** The instance answered (with a rejection or a backend error): it is alive. */
  answered: boolean;
}

export function failedAttempt(error: unknown, context: FailedAttemptContext): FailedAttempt {
  const base = { instance: context.instance, endpoint: context.endpoint, attempts: 0, status: "error" as const };
  const message = error instanceof Error ? error.message : String(error);
  const channel = isChannelError(error) ? error : undefined;
  const row = context.canceled ? CANCELED_OUTCOME : channel ? CHANNEL_OUTCOMES[channel.kind] : UNCLASSIFIED_OUTCOME;
  const status = channel?.details.status;
  const outcome: AttemptOutcome = {
    ...base,
    error_kind: row.kind,
    error: context.canceled
      ? "canceled"
      : channel?.kind === "closed"
        ? `${context.service}.${context.instance} went away: ${message}`
        : message,
    retry: mayRetry(row, status, context.closing),
    ...(channel?.kind === "backend" ? httpOf(channel.details) : {}),
  };
  // Whether it answered is what happened on the channel, canceled or not.
  const answered = channel !== undefined && CHANNEL_OUTCOMES[channel.kind].answered;
  return { outcome, answered, ...(row.takeOut ? { takeOut: message } : {}) };
}

/** A reply with an HTTP error status: the backend answered, so the instance stays; retried by the table's rule. */
export function errorReply(
  reply: { status: number; body: unknown; timing: RequestTiming },
  where: { service: string; instance: number; endpoint: string },
): AttemptOutcome {
  return {
    instance: where.instance,
    endpoint: where.endpoint,
    attempts: 0,
    status: "error",
    error_kind: CHANNEL_OUTCOMES.backend.kind,
    error: `${where.service}.${where.instance} answered HTTP ${reply.status}: ${excerpt(reply.body)}`,
    response: reply.body,
    http_status: reply.status,
    timing: reply.timing,
    retry: mayRetry(CHANNEL_OUTCOMES.backend, reply.status, false),
  };
}

/** Once a streamed piece has gone to the caller, a failure is final: a retry would repeat what it already has. */
export function afterPieces(outcome: AttemptOutcome, pieces: number): AttemptOutcome {
  if (pieces > 0 && outcome.status === "error" && outcome.retry) {
    outcome.retry = false;
    outcome.error = `${outcome.error} (after ${pieces} streamed piece(s); not retried)`;
  }
  return outcome;
}

function httpOf(details: { status?: number; body?: unknown }): { http_status?: number; response?: unknown } {
  return {
    ...(details.status === undefined ? {} : { http_status: details.status }),
    ...(details.body === undefined ? {} : { response: details.body }),
  };
}

/** The start of a backend's error body, for a message. */
export function excerpt(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
