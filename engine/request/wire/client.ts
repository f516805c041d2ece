/**
 * ServiceClient: one DEALER socket to one service host, many requests in
 * flight, correlated by id. Error replies from the host resolve (with
 * `ok: false`); only timeouts and a closed client reject.
 */
import { Dealer } from "zeromq";
import { FlotillaError, isFlotillaError } from "../../errors.js";
import type { CurveClientKeys } from "../auth/client-keys.js";
import { Coalescer } from "./coalescer.js";
import {
  type CorrelationId,
  type DecodedReply,
  decodeReplies,
  decodeRequest,
  encodeHeader,
  type Frame,
  type HostStatus,
  type HostTimestamps,
  type OutFrame,
  PROTOCOL_VERSION,
  type ProtocolError,
  type ReplyKind,
  type RequestHeader,
  type RequestKind,
  SEND_BATCH,
  type Timing,
  timingOf,
} from "./protocol.js";
import { SendQueue } from "./send-queue.js";

export interface ServiceClientOptions {
  /** Default per-request timeout (ms). */
  timeoutMs?: number;
  /** ZeroMQ high-water marks per peer (0 = unlimited). */
  highWaterMark?: number;
  /** How long closing waits for messages still queued (a last cancel) to leave; default 0. */
  lingerMs?: number;
  /** For a CURVE host (docs/security.md): without the right keys it never answers. */
  curve?: CurveClientKeys;
  /** Watch the connection's security handshake, so a timeout can say that it failed (`handshakeError`). */
  watchHandshake?: boolean;
}

export interface RequestOptions {
  service?: string;
  /** HTTP path for openai backends; the host's default is /v1/completions. */
  path?: string;
  method?: "POST" | "GET";
  /** Bytes are sent as they are, strings as UTF-8, anything else as JSON. */
  payload?: Frame | string | object;
  /**
   * Asks for the answer in pieces as the backend produces them ("Streaming"
   * in docs/protocol.md): each piece is handed here, in order, and the reply
   * then has an empty payload. The timeout then counts silence between pieces.
   */
  onPiece?: (piece: Buffer) => void;
  timeoutMs?: number;
  /**
   * Aborting it rejects the request at once (reason "canceled") and tells
   * the host to drop it: a queued request is never started, a running one
   * has its backend call closed ("Cancelling" in docs/protocol.md).
   */
  signal?: AbortSignal;
}

export interface Reply {
  id: number;
  /** True for a `reply` (or `pong`/`status`); false for an `error` reply. */
  ok: boolean;
  kind: ReplyKind;
  endpoint: string;
  service: string;
  host: string;
  http_status?: number;
  error?: ProtocolError;
  payload: Buffer;
  ts: HostTimestamps;
  timing: Timing;
  /** Client clock (epoch ms) when the request was handed to the socket. */
  sent_at: number;
}

/**
 * Why the client itself failed a request (FlotillaError REQUEST_FAILED,
 * `context.reason`): no reply in time, the client closed, the caller
 * canceled, a send failed, or the caller's piece handler threw.
 */
export type ClientFailureReason = "timeout" | "closed" | "canceled" | "send" | "piece";

/** The reason the client failed a request, when `error` is such a failure. */
export function clientFailureReason(error: unknown): ClientFailureReason | undefined {
  const reason = isFlotillaError(error) ? error.context.reason : undefined;
  return typeof reason === "string" && Object.hasOwn(CLIENT_FAILURE_REASONS, reason)
    ? (reason as ClientFailureReason)
    : undefined;
}

const CLIENT_FAILURE_REASONS: Readonly<Record<ClientFailureReason, true>> = {
  timeout: true,
  closed: true,
  canceled: true,
  send: true,
  piece: true,
};

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  start: number;
  sentAt: number;
  timeoutMs: number;
  onPiece?: (piece: Buffer) => void;
  firstPieceMs?: number;
  /** Set when the caller gave a signal: removes the abort listener once the request has ended. */
  unlisten?: () => void;
}

/** tcp://host:port, ipc://path, or a bare host:port (taken as tcp). */
export function normalizeEndpoint(endpoint: string): string {
  if (/^(tcp|ipc|inproc):\/\//.test(endpoint)) return endpoint;
  if (/^[^/:]+:\d+$/.test(endpoint)) return `tcp://${endpoint}`;
  throw new FlotillaError("USAGE", `not a ZeroMQ endpoint: ${JSON.stringify(endpoint)} (try tcp://127.0.0.1:5555)`);
}

function toFrame(payload: RequestOptions["payload"]): OutFrame {
  if (payload === undefined) return EMPTY;
  if (payload instanceof Uint8Array || typeof payload === "string") return payload;
  return JSON.stringify(payload);
}

const EMPTY = Buffer.alloc(0);
const NO_ENVELOPE: readonly Frame[] = [];

export class ServiceClient {
  readonly endpoint: string;
  /** Replies that arrived after their request timed out, or that were unreadable. */
  late = 0;
  unreadable = 0;
  /** Why the last security handshake with the host failed, when `watchHandshake` is on and it did. */
  handshakeError: string | undefined;
  private readonly socket: Dealer;
  private readonly pending = new Map<number, Pending>();
  private readonly outbox: SendQueue;
  /** Set once the host has said it takes batches: requests of one turn then go out together. */
  private batcher: Coalescer | undefined;
  private readonly defaultTimeoutMs: number;
  private nextId = 1;
  private closed = false;

  constructor(endpoint: string, options: ServiceClientOptions = {}) {
    this.endpoint = normalizeEndpoint(endpoint);
    this.defaultTimeoutMs = options.timeoutMs ?? 60_000;
    const hwm = options.highWaterMark ?? 100_000;
    const curve = options.curve;
    this.socket = new Dealer({
      linger: options.lingerMs ?? 0,
      sendHighWaterMark: hwm,
      receiveHighWaterMark: hwm,
      ...(curve === undefined
        ? {}
        : { curveServerKey: curve.serverKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey }),
    });
    this.outbox = new SendQueue(this.socket, (error, frames) => this.sendFailed(error, frames));
    if (options.watchHandshake === true) {
      const failed = (event: { type: string; error?: Error }) => {
        this.handshakeError = `${event.type}: ${event.error?.message ?? "no detail"}`;
      };
      this.socket.events.on("handshake:error:auth", failed);
      this.socket.events.on("handshake:error:protocol", failed);
      this.socket.events.on("handshake", () => {
        this.handshakeError = undefined;
      });
    }
    try {
      this.socket.connect(this.endpoint);
    } catch (error) {
      this.socket.close();
      throw new FlotillaError("ENDPOINT_UNREACHABLE", `cannot connect to ${this.endpoint}`, { cause: error });
    }
    void this.receiveLoop();
  }

  /** Requests sent and not yet answered or timed out. */
  get inflight(): number {
    return this.pending.size;
  }

  request(options: RequestOptions): Promise<Reply> {
    const header: RequestHeader = { v: PROTOCOL_VERSION, id: 0, kind: "request" };
    if (options.service !== undefined) header.service = options.service;
    if (options.path !== undefined) header.path = options.path;
    if (options.method !== undefined) header.method = options.method;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    header.timeout_ms = timeoutMs;
    if (options.onPiece !== undefined) header.stream = true;
    const signal = options.signal;
    if (signal?.aborted) {
      return Promise.reject(this.failure(-1, "canceled", `request to ${this.endpoint} canceled before it was sent`));
    }
    const reply = this.exchange(header, toFrame(options.payload), timeoutMs, options.onPiece);
    if (signal !== undefined) this.cancelOnAbort(header.id as number, signal);
    return reply;
  }

  ping(timeoutMs = 5_000): Promise<Reply> {
    return this.exchange({ v: PROTOCOL_VERSION, id: 0, kind: "ping" }, undefined, timeoutMs);
  }

  async status(timeoutMs = 5_000): Promise<HostStatus> {
    const reply = await this.exchange({ v: PROTOCOL_VERSION, id: 0, kind: "status" }, undefined, timeoutMs);
    if (!reply.ok) throw new FlotillaError("REQUEST_FAILED", `status from ${this.endpoint}: ${reply.error?.message}`);
    return JSON.parse(reply.payload.toString("utf8")) as HostStatus;
  }

  /** Rejects every pending request and closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.unlisten?.();
      entry.reject(this.failure(id, "closed", `client for ${this.endpoint} closed before the reply`));
    }
    this.pending.clear();
    this.batcher?.clear();
    this.outbox.clear();
    this.socket.close();
  }

  private exchange(
    header: RequestHeader,
    payload: OutFrame | undefined,
    timeoutMs: number,
    onPiece?: (piece: Buffer) => void,
  ): Promise<Reply> {
    if (this.closed) {
      return Promise.reject(new FlotillaError("REQUEST_FAILED", `client for ${this.endpoint} is closed`));
    }
    const id = this.nextId++;
    header.id = id;
    return new Promise<Reply>((resolve, reject) => {
      const timer = this.expireAfter(id, timeoutMs, header.kind);
      const entry: Pending = { resolve, reject, timer, start: performance.now(), sentAt: Date.now(), timeoutMs };
      if (onPiece !== undefined) entry.onPiece = onPiece;
      this.pending.set(id, entry);
      if (this.batcher !== undefined) {
        header.batch = true;
        this.batcher.add("", NO_ENVELOPE, encodeHeader(header), payload ?? EMPTY);
      } else {
        this.outbox.push(payload === undefined ? [encodeHeader(header)] : [encodeHeader(header), payload]);
      }
    });
  }

  /**
   * Fails request `id` when nothing more is heard of it within `timeoutMs`,
   * and tells the host, so that it does not keep working for nobody.
   */
  private expireAfter(id: number, timeoutMs: number, kind: RequestKind): NodeJS.Timeout {
    return setTimeout(() => {
      const entry = this.end(id);
      if (entry === undefined) return;
      if (kind === "request") this.sendCancel(id);
      const silence = entry.firstPieceMs === undefined ? "no reply" : "no further piece";
      entry.reject(this.failure(id, "timeout", `${silence} from ${this.endpoint} within ${timeoutMs} ms`, kind));
    }, timeoutMs);
  }

  private cancelOnAbort(id: number, signal: AbortSignal): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    const onAbort = () => {
      const ended = this.end(id);
      if (ended === undefined) return;
      this.sendCancel(id);
      ended.reject(this.failure(id, "canceled", `request to ${this.endpoint} canceled`));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    entry.unlisten = () => signal.removeEventListener("abort", onAbort);
  }

  /** Forgets request `id` (its timer, its abort listener) and returns what was pending. */
  private end(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.unlisten?.();
    return entry;
  }

  /** Asks the host to drop request `id`; its reply, if one still comes, is then late. */
  private sendCancel(id: number): void {
    if (this.closed) return;
    // Requests still gathering for this turn's batch go first: the cancel must not overtake its request.
    this.batcher?.flush();
    this.outbox.push([encodeHeader({ v: PROTOCOL_VERSION, id, kind: "cancel" })]);
  }

  private failure(id: CorrelationId, reason: ClientFailureReason, message: string, kind?: RequestKind): FlotillaError {
    return new FlotillaError("REQUEST_FAILED", message, {
      context: { reason, endpoint: this.endpoint, id, ...(kind === undefined ? {} : { kind }) },
    });
  }

  /** A send failed (the socket is broken): fail its requests now rather than let them time out. */
  private sendFailed(error: unknown, frames: OutFrame[]): void {
    if (this.closed) return;
    // One request is one or two frames; a batch is header/payload pairs.
    const step = Math.min(2, frames.length);
    for (let i = 0; i < frames.length; i += step) {
      const head = frames[i];
      if (head === undefined || typeof head === "string") continue;
      const decoded = decodeRequest([head]);
      const id = decoded.ok && typeof decoded.header.id === "number" ? decoded.header.id : -1;
      const entry = this.end(id);
      if (entry === undefined) continue;
      entry.reject(this.failure(id, "send", `send to ${this.endpoint} failed: ${String(error)}`));
    }
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const frames of this.socket) this.onMessage(frames);
    } catch (error) {
      if (!this.closed) this.close();
      void error;
    }
  }

  private onMessage(frames: Buffer[]): void {
    const now = performance.now();
    for (const decoded of decodeReplies(frames)) {
      if (typeof decoded === "string") this.unreadable++;
      else this.onReply(decoded, now);
    }
  }

  private onReply({ header, payload }: DecodedReply, now: number): void {
    if (this.batcher === undefined && typeof header.batch === "number" && header.batch > 1) {
      this.batcher = new Coalescer(this.outbox, Math.min(header.batch, SEND_BATCH));
    }
    const id = typeof header.id === "number" ? header.id : -1;
    const entry = this.pending.get(id);
    if (entry === undefined) {
      this.late++;
      return;
    }
    if (header.kind === "chunk") {
      this.onPiece(id, entry, payload, now);
      return;
    }
    // end(id), without looking the entry up again: this runs once per reply.
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.unlisten?.();
    const reply: Reply = {
      id,
      ok: header.kind !== "error",
      kind: header.kind,
      endpoint: this.endpoint,
      service: header.service,
      host: header.host,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
      ts: header.ts,
      timing: timingOf(header.ts, now - entry.start),
      sent_at: entry.sentAt,
    };
    if (header.http_status !== undefined) reply.http_status = header.http_status;
    if (header.error !== undefined) reply.error = header.error;
    if (entry.firstPieceMs !== undefined) reply.timing.first_piece_ms = entry.firstPieceMs;
    entry.resolve(reply);
  }

  private onPiece(id: number, entry: Pending, payload: Frame, now: number): void {
    if (entry.onPiece === undefined) {
      // A host streams only to clients that ask; anything else is not a reply to this request.
      this.unreadable++;
      return;
    }
    entry.firstPieceMs ??= now - entry.start;
    // For a stream, the timeout is the longest silence: it starts again with every piece.
    clearTimeout(entry.timer);
    entry.timer = this.expireAfter(id, entry.timeoutMs, "request");
    try {
      entry.onPiece(Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
    } catch (error) {
      // The caller's handler failed: that request ends here (the host stops it); the socket and the others go on.
      this.end(id);
      this.sendCancel(id);
      entry.reject(this.failure(id, "piece", `handling a streamed piece failed: ${String(error)}`));
    }
  }
}
