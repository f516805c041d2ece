/**
 * The one table of what a failure means (docs/requests.md, "Failures,
 * retries and timeouts"; docs/architecture.md, "Where a retry is decided").
 * Every failure of an attempt is first read as a channel failure: a host's
 * error reply by its protocol code, the ZeroMQ client's own failures by
 * their reason, the HTTP channel's by what it saw. The channel failure then
 * decides the request's error kind, whether another instance may try it,
 * and whether the instance leaves rotation. Both channels and the
 * dispatcher read only this file; so does the host, for the wire's
 * `retryable` flag.
 */
import type { ClientFailureReason } from "../wire/client.js";
import type { ProtocolErrorCode } from "../wire/protocol.js";

/** How a request ended in error, as callers see it (responses, profile, HTTP front). */
export type DispatchErrorKind = "timeout" | "rejected" | "unavailable" | "backend" | "protocol" | "canceled";

/**
 * Why an attempt failed, whatever the channel: `timeout` no answer in time;
 * `unreachable` no connection, or the host is going away; `closed` ended on
 * this side (canceled, the channel closed); `rejected` the instance's queue
 * was full; `backend` an error the backend (or the host for it) answered
 * with; `protocol` a reply that could not be understood.
 */
export type ChannelErrorKind = "timeout" | "unreachable" | "closed" | "rejected" | "backend" | "protocol";

/**
 * Whether another instance may try the request: always, never, when the
 * HTTP status is 5xx (a 4xx is what the request itself caused: it would fail
 * anywhere), or unless the dispatcher itself is closing.
 */
export type Retry = "yes" | "no" | "if-5xx" | "unless-closing";

export interface Outcome {
  kind: DispatchErrorKind;
  retry: Retry;
  /** The instance leaves rotation until it answers a ping again. */
  takeOut: boolean;
  /** The instance itself answered: it is alive, whatever it said (liveness). */
  answered: boolean;
}

export const CHANNEL_OUTCOMES: Readonly<Record<ChannelErrorKind, Outcome>> = {
  timeout: { kind: "timeout", retry: "yes", takeOut: true, answered: false },
  unreachable: { kind: "unavailable", retry: "yes", takeOut: true, answered: false },
  protocol: { kind: "protocol", retry: "yes", takeOut: true, answered: false },
  closed: { kind: "unavailable", retry: "unless-closing", takeOut: false, answered: false },
  rejected: { kind: "rejected", retry: "yes", takeOut: false, answered: true },
  backend: { kind: "backend", retry: "if-5xx", takeOut: false, answered: true },
};

/** A failure that is no channel failure at all (a bug in a channel): another instance may do better. */
export const UNCLASSIFIED_OUTCOME: Outcome = { kind: "protocol", retry: "yes", takeOut: false, answered: false };

/** The caller aborted the request: it ends here. */
export const CANCELED_OUTCOME: Outcome = { kind: "canceled", retry: "no", takeOut: false, answered: false };

export interface ProtocolFailure {
  channel: ChannelErrorKind;
  /** The HTTP status it stands for (a backend_error's own status, when the host passes one, wins). */
  status?: number;
  /**
   * The wire's `retryable` flag (docs/protocol.md): any client may send it
   * again elsewhere, because it did not run here and another instance may
   * take it. Narrower than the dispatcher's retry, which also resends 5xx
   * backend errors (the request may have run).
   */
  retryable: boolean;
}

/** A host's error reply, by its code, as a channel failure. */
export const PROTOCOL_FAILURES: Readonly<Record<ProtocolErrorCode, ProtocolFailure>> = {
  rejected: { channel: "rejected", retryable: true },
  expired: { channel: "timeout", retryable: true },
  backend_unreachable: { channel: "backend", status: 502, retryable: true },
  shutting_down: { channel: "unreachable", retryable: true },
  backend_error: { channel: "backend", status: 502, retryable: false },
  too_large: { channel: "backend", status: 413, retryable: false },
  malformed: { channel: "backend", status: 400, retryable: false },
  wrong_service: { channel: "backend", status: 400, retryable: false },
  unsupported_version: { channel: "backend", status: 400, retryable: false },
  unknown_kind: { channel: "backend", status: 400, retryable: false },
  canceled: { channel: "backend", status: 500, retryable: false },
  internal: { channel: "backend", status: 500, retryable: false },
};

/** The ZeroMQ client's own failures (FlotillaError REQUEST_FAILED, context.reason) as channel failures. */
export const CLIENT_FAILURES: Readonly<Record<ClientFailureReason, ChannelErrorKind>> = {
  timeout: "timeout",
  // Ended on this side (closed, canceled, the caller's piece handler failed): not the instance's fault.
  closed: "closed",
  canceled: "closed",
  piece: "closed",
  send: "unreachable",
};

/** Protocol codes the wire marks `retryable`, from the table. */
export const RETRYABLE_ERRORS: ReadonlySet<ProtocolErrorCode> = new Set(
  (Object.keys(PROTOCOL_FAILURES) as ProtocolErrorCode[]).filter((code) => PROTOCOL_FAILURES[code].retryable),
);

/** Whether another instance may try the request after a failure read as `outcome`. */
export function mayRetry(outcome: Outcome, status: number | undefined, closing: boolean): boolean {
  switch (outcome.retry) {
    case "yes":
      return true;
    case "no":
      return false;
    case "if-5xx":
      return (status ?? 500) >= 500;
    case "unless-closing":
      return !closing;
    default: {
      const unknown: never = outcome.retry;
      throw new Error(`unknown retry rule ${String(unknown)}`);
    }
  }
}
