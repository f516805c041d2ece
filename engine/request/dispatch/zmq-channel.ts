/**
 * A Flotilla service host (local instance, or a remote `flotilla serve`)
 * as a dispatcher channel, over one ServiceClient (ZeroMQ DEALER). The
 * host's error replies and the client's own failures become channel errors
 * by the outcome table (outcome-table.ts).
 */
import type { CurveClientKeys } from "../auth/client-keys.js";
import { clientFailureReason, type Reply, type RequestOptions, ServiceClient } from "../wire/client.js";
import { ChannelError, type ChannelReply, type ChannelRequest, type InstanceChannel } from "./channel.js";
import { CLIENT_FAILURES, PROTOCOL_FAILURES } from "./outcome-table.js";

export class ZmqChannel implements InstanceChannel {
  readonly endpoint: string;
  private readonly client: ServiceClient;

  constructor(
    endpoint: string,
    /** Sent in every request header; undefined: any service the host serves. */
    private readonly service: string | undefined,
    /** For a CURVE host: the session's client keys, or a remote endpoint's own. */
    curve?: CurveClientKeys,
  ) {
    this.client = new ServiceClient(endpoint, curve === undefined ? {} : { curve });
    this.endpoint = this.client.endpoint;
  }

  async request(request: ChannelRequest, timeoutMs: number, signal?: AbortSignal): Promise<ChannelReply> {
    if (signal?.aborted) throw new ChannelError("closed", "canceled before it was sent");
    // Built field by field: this runs once per request.
    const options: RequestOptions = { path: request.path, method: request.method, timeoutMs };
    if (this.service !== undefined) options.service = this.service;
    if (request.body !== undefined) options.payload = request.body as object;
    if (request.onPiece !== undefined) options.onPiece = request.onPiece;
    // Aborting cancels on the host too: a queued request never starts, a running one is stopped.
    if (signal !== undefined) options.signal = signal;
    let reply: Reply;
    try {
      reply = await this.client.request(options);
    } catch (error) {
      throw toChannelError(error, this.endpoint);
    }
    return toChannelReply(reply);
  }

  async ping(timeoutMs: number): Promise<boolean> {
    try {
      return (await this.client.ping(timeoutMs)).ok;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

function toChannelReply(reply: Reply): ChannelReply {
  const stamps: Record<string, number> = {
    client_sent: reply.sent_at,
    client_received: reply.sent_at + reply.timing.total_ms,
    host_received: reply.ts.received,
    host_sent: reply.ts.sent,
  };
  if (reply.ts.dequeued !== undefined) stamps.host_dequeued = reply.ts.dequeued;
  if (reply.ts.backend_start !== undefined) stamps.backend_start = reply.ts.backend_start;
  if (reply.ts.backend_end !== undefined) stamps.backend_end = reply.ts.backend_end;
  const firstPiece = reply.timing.first_piece_ms;
  if (firstPiece !== undefined) stamps.client_first_piece = reply.sent_at + firstPiece;
  const base = { body: parseBody(reply.payload), timing: reply.timing, stamps };
  if (reply.ok) return { ...base, status: reply.http_status ?? 200 };
  const error = reply.error;
  const message = `${reply.endpoint}: ${error?.code ?? "error"}: ${error?.message ?? "no message"}`;
  // The backend answered with an HTTP error: pass its status and body on.
  if (error?.code === "backend_error" && reply.http_status !== undefined) return { ...base, status: reply.http_status };
  const failure =
    error !== undefined && Object.hasOwn(PROTOCOL_FAILURES, error.code) ? PROTOCOL_FAILURES[error.code] : undefined;
  // A code this build does not know reads as an internal error.
  if (failure === undefined) throw new ChannelError("backend", message, { status: 500 });
  throw new ChannelError(failure.channel, message, failure.status === undefined ? {} : { status: failure.status });
}

function parseBody(payload: Buffer): unknown {
  if (payload.length === 0) return null;
  const text = payload.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toChannelError(error: unknown, endpoint: string): ChannelError {
  if (error instanceof ChannelError) return error;
  const reason = clientFailureReason(error);
  const message = error instanceof Error ? error.message : String(error);
  const kind = reason === undefined ? "unreachable" : CLIENT_FAILURES[reason];
  if (kind !== "unreachable") return new ChannelError(kind, message);
  return new ChannelError("unreachable", `${endpoint}: ${message}`, { cause: error });
}
