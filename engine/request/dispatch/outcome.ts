/**
 * What a failed attempt means for the dispatcher: the error the request
 * ends with if it is not retried, whether another instance may try it, and
 * whether the instance that failed leaves rotation (docs/requests.md,
 * "Failures, retries and timeouts").
 */

import { isChannelError } from "./channel.js";
import type { DispatchResult } from "./dispatcher.js";

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

export function failedAttempt(
  error: unknown,
  context: FailedAttemptContext,
): { outcome: AttemptOutcome; takeOut?: string } {
  const base = { instance: context.instance, endpoint: context.endpoint, attempts: 0, status: "error" as const };
  const message = error instanceof Error ? error.message : String(error);
  if (context.canceled) return { outcome: { ...base, error_kind: "canceled", error: "canceled", retry: false } };
  if (!isChannelError(error)) return { outcome: { ...base, error_kind: "protocol", error: message, retry: true } };
  switch (error.kind) {
    case "timeout":
    case "unreachable":
    case "protocol":
      return {
        outcome: {
          ...base,
          error_kind: error.kind === "unreachable" ? "unavailable" : error.kind,
          error: message,
          retry: true,
        },
        takeOut: message,
      };
    case "closed":
      return {
        outcome: {
          ...base,
          error_kind: "unavailable",
          error: `${context.service}.${context.instance} went away: ${message}`,
          retry: !context.closing,
        },
      };
    case "rejected":
      return { outcome: { ...base, error_kind: "rejected", error: message, retry: true } };
    case "backend":
      return {
        outcome: {
          ...base,
          error_kind: "backend",
          error: message,
          // What the request itself caused (4xx: malformed, too large) would fail anywhere.
          retry: (error.details.status ?? 500) >= 500,
          ...httpOf(error.details),
        },
      };
  }
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
