/**
 * How the dispatcher talks to one instance, whatever it is: a Flotilla
 * service host over ZeroMQ (tcp://, ipc://) or a remote OpenAI-compatible
 * server over HTTP (http://, https://). Each kind fills in the same timing
 * breakdown as far as it can measure it (docs/requests.md).
 */
import type { RequestTiming } from "../../metrics/timing.js";
import type { ChannelErrorKind } from "./outcome-table.js";

/** One OpenAI-style request: the path under the server root and the JSON body. */
export interface ChannelRequest {
  method: "GET" | "POST";
  /** Full OpenAI path, e.g. "/v1/chat/completions". */
  path: string;
  body?: unknown;
  /**
   * Streaming: pieces of the backend's response body (an event stream), in
   * order, as they arrive. The reply's body is then null. A backend that
   * does not stream answers whole, as without it.
   */
  onPiece?: (piece: Buffer) => void;
}

export interface ChannelReply {
  /** The backend's HTTP status (200 for noop). Statuses ≥ 400 are errors of kind "backend". */
  status: number;
  body: unknown;
  timing: RequestTiming;
  /** Named timestamps of this attempt, for the per-request profile. */
  stamps: Record<string, number>;
  /** Requests waiting in the instance's queue when it replied, when it says. */
  queueDepth?: number;
}

// Why an attempt failed, and what each kind means: outcome-table.ts.
export type { ChannelErrorKind };

export class ChannelError extends Error {
  override readonly name = "ChannelError";

  constructor(
    readonly kind: ChannelErrorKind,
    message: string,
    readonly details: { status?: number; body?: unknown; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

export function isChannelError(error: unknown): error is ChannelError {
  return error instanceof Error && (error as { name?: string }).name === "ChannelError";
}

export interface InstanceChannel {
  readonly endpoint: string;
  /**
   * Sends one request. Resolves with the backend's answer (any status);
   * rejects with a ChannelError when there is none within `timeoutMs` or
   * when `signal` aborts (kind "closed").
   */
  request(request: ChannelRequest, timeoutMs: number, signal?: AbortSignal): Promise<ChannelReply>;
  /** True when the instance answers a cheap liveness check within `timeoutMs`. */
  ping(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
