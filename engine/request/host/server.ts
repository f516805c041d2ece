/**
 * ServiceHost: a ROUTER socket in front of one backend. Admits up to
 * `maxInflight` concurrent backend calls, queues up to `maxQueue` more, and
 * answers everything beyond with an explicit `rejected` error: every request
 * that reaches the host gets exactly one reply. Unreadable frames get an
 * error reply (the routing id is always known) and are counted.
 */
import { chmodSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import type { Router } from "zeromq";
import type { ZapHandler } from "../auth/zap.js";
import { RETRYABLE_ERRORS } from "../dispatch/outcome-table.js";
import { Coalescer } from "../wire/coalescer.js";
import { Fifo } from "../wire/fifo.js";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type DecodeFailure,
  decodeRequest,
  encodeHeader,
  type Frame,
  type HostCounters,
  type HostStatus,
  MAX_BATCH,
  type OutFrame,
  PROTOCOL_VERSION,
  type ProtocolErrorCode,
  type ReplyHeader,
  type ReplyKind,
  SEND_BATCH,
  splitRequests,
} from "../wire/protocol.js";
import { SendQueue } from "../wire/send-queue.js";
import type { Backend, BackendResult, Job } from "./backend.js";
import { hostNow } from "./clock.js";
import { type HostCurve, hostSocket, ipcPath, startAuth } from "./socket.js";

export { type HostCurve, ipcPath } from "./socket.js";

export interface ServiceHostOptions {
  /** The service this host serves; "" serves any name a request gives (a remote `serve` without --service). */
  service: string;
  backend: Backend;
  /** tcp://127.0.0.1:PORT, tcp://127.0.0.1:* (any free port) or ipc://PATH. */
  bind: string;
  maxInflight: number;
  maxQueue: number;
  maxPayloadBytes?: number;
  /** Identity reported in every reply; default `<service>@<hostname>:<pid>`. */
  hostId?: string;
  /** CURVE: encrypt, and answer only clients whose public key is allowed (docs/security.md). */
  curve?: HostCurve;
}

const EMPTY = Buffer.alloc(0);

export class ServiceHost {
  readonly service: string;
  readonly hostId: string;
  readonly counters: HostCounters = {
    received: 0,
    completed: 0,
    errors: 0,
    rejected: 0,
    expired: 0,
    malformed: 0,
    dropped: 0,
    canceled: 0,
    auth_failures: 0,
  };
  private readonly options: ServiceHostOptions;
  private readonly socket: Router;
  private readonly zap: ZapHandler | undefined;
  private readonly queue = new Fifo<Job>();
  /** Jobs whose backend call is under way asynchronously: the ones a cancel can still stop. */
  private readonly running = new Set<Job>();
  private readonly outbox: SendQueue;
  /** Replies to clients that take batches, gathered per client until the end of the turn. */
  private readonly replies: Coalescer;
  private readonly maxPayload: number;
  private readonly startedAt = hostNow();
  private inflight = 0;
  private stopping = false;
  private boundEndpoint = "";
  private loop: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  constructor(options: ServiceHostOptions) {
    this.options = options;
    this.service = options.service;
    this.hostId = options.hostId ?? `${options.service || "any"}@${hostname()}:${process.pid}`;
    this.maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    ({ socket: this.socket, zap: this.zap } = hostSocket(this.maxPayload, options.curve));
    this.outbox = new SendQueue(this.socket, () => {
      this.counters.dropped++;
    });
    this.replies = new Coalescer(this.outbox, SEND_BATCH);
  }

  /** The address actually bound (a `*` port resolved). */
  get endpoint(): string {
    return this.boundEndpoint;
  }

  async start(): Promise<string> {
    await startAuth(this.socket, this.zap, () => {
      this.counters.auth_failures++;
    });
    await this.socket.bind(this.options.bind);
    this.boundEndpoint = this.socket.lastEndpoint ?? this.options.bind;
    // Only the owner may connect, whatever the umask (the directory should be private too).
    const path = ipcPath(this.boundEndpoint);
    if (path !== undefined) chmodSync(path, 0o600);
    this.loop = this.receiveLoop();
    return this.boundEndpoint;
  }

  status(): HostStatus {
    return {
      service: this.service,
      backend: this.options.backend.name,
      host: this.hostId,
      endpoint: this.boundEndpoint,
      inflight: this.inflight,
      queue_depth: this.queue.length,
      max_inflight: this.options.maxInflight,
      max_queue: this.options.maxQueue,
      uptime_ms: Math.round(hostNow() - this.startedAt),
      auth: this.options.curve !== undefined ? "curve" : ipcPath(this.boundEndpoint) !== undefined ? "ipc" : "none",
      counters: { ...this.counters },
    };
  }

  /**
   * Stops taking work: queued requests are answered `shutting_down` (retryable),
   * in-flight ones get up to `graceMs` to finish, then the socket closes.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const job of this.queue.drain()) this.fail(job, "shutting_down", "the service host is stopping");
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.options.backend.close();
    this.replies.flush();
    // Let the replies already produced reach the socket before it closes.
    for (let waited = 0; this.outbox.length > 0 && waited < 1_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.socket.close();
    await this.loop;
    await this.zap?.close();
    // ZeroMQ unlinks the socket file in its own thread; the process may exit before it does.
    const path = ipcPath(this.boundEndpoint);
    if (path !== undefined) rmSync(path, { force: true });
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        try {
          this.onMessage(frames);
        } catch {
          // A bug in handling one message must not stop the host from serving the next.
          this.counters.dropped++;
        }
      }
    } catch (error) {
      // Closing the socket ends the loop; anything else would be a bug in the addon: count, never crash.
      if (!this.socket.closed) this.counters.dropped++;
      void error;
    }
  }

  private onMessage(frames: Buffer[]): void {
    const received = hostNow();
    const identity = frames[0] ?? EMPTY;
    // A REQ client puts an empty delimiter before the header; keep it for the reply.
    const delimited = frames.length >= 3 && frames[1]?.length === 0;
    const envelope: Frame[] = delimited ? [identity, EMPTY] : [identity];
    // The routing id names the client; the delimiter (a REQ client) is part of where replies go.
    const peer = delimited ? `${identity.toString("latin1")}\0` : identity.toString("latin1");
    const route = { envelope, peer };
    const requests = splitRequests(frames.slice(delimited ? 2 : 1));
    if (typeof requests === "string") {
      this.counters.received++;
      this.reject(route, received, { ok: false, code: "malformed", message: requests, id: null });
      return;
    }
    for (const [index, request] of requests.entries()) {
      this.counters.received++;
      const decoded = decodeRequest(request, this.maxPayload);
      if (!decoded.ok) {
        this.reject(route, received, decoded);
      } else if (index >= MAX_BATCH) {
        const message = `a batch of ${requests.length} requests is over this host's limit of ${MAX_BATCH}`;
        this.reject(route, received, { ok: false, code: "too_large", message, id: decoded.header.id });
      } else {
        this.admit({ ...route, header: decoded.header, payload: decoded.payload, ts: { received } });
      }
    }
    // Answers made while reading this message (noop, status, errors) leave now, together,
    // without waiting for the end of the turn: one fewer pass of the event loop per message.
    this.replies.flush();
  }

  /** Answers a request that cannot be read or taken; counted as malformed. */
  private reject(route: Pick<Job, "envelope" | "peer">, received: number, failure: DecodeFailure): void {
    // An unreadable or refused message is an error reply like any other; `malformed` says which kind.
    this.counters.malformed++;
    this.counters.errors++;
    const job: Job = {
      ...route,
      header: { v: PROTOCOL_VERSION, id: 0, kind: "request" },
      payload: EMPTY,
      ts: { received },
    };
    this.send(job, "error", EMPTY, { code: failure.code, message: failure.message }, failure.id);
  }

  private admit(job: Job): void {
    const { kind, service } = job.header;
    if (kind === "cancel") {
      this.cancel(job.peer, job.header.id);
    } else if (kind === "ping") {
      this.send(job, "pong", EMPTY);
    } else if (kind === "status") {
      this.send(job, "status", Buffer.from(JSON.stringify(this.status())));
    } else if (service !== undefined && service !== "" && this.service !== "" && service !== this.service) {
      this.fail(job, "wrong_service", `this host serves '${this.service}', not '${service}'`);
    } else if (this.stopping) {
      this.fail(job, "shutting_down", "the service host is stopping");
    } else if (this.inflight < this.options.maxInflight) {
      this.run(job);
    } else if (this.queue.length < this.options.maxQueue) {
      this.queue.push(job);
    } else {
      this.counters.rejected++;
      this.fail(job, "rejected", `queue full (${this.options.maxInflight} in flight, ${this.options.maxQueue} queued)`);
    }
  }

  private run(job: Job): void {
    this.inflight++;
    job.ts.dequeued = hostNow();
    if (job.header.stream === true) job.stream = (piece) => this.sendPiece(job, piece);
    let result: BackendResult | Promise<BackendResult>;
    try {
      result = this.options.backend.call(job);
    } catch (error) {
      result = { payload: EMPTY, error: { code: "internal", message: `backend threw: ${String(error)}` } };
    }
    if (result instanceof Promise) {
      this.running.add(job);
      result.then(
        (value) => this.finish(job, value),
        (error: unknown) =>
          this.finish(job, {
            payload: EMPTY,
            error: { code: "internal", message: `backend failed: ${String(error)}` },
          }),
      );
    } else {
      this.finish(job, result);
    }
  }

  private finish(job: Job, result: BackendResult): void {
    this.inflight--;
    this.running.delete(job);
    if (result.error === undefined) {
      this.counters.completed++;
      this.send(job, "reply", result.payload, undefined, undefined, result.http_status);
    } else {
      this.fail(job, result.error.code, result.error.message, result.payload, result.http_status);
    }
    this.pump();
  }

  /**
   * The client behind `peer` no longer wants request `id`: a queued one is
   * answered `canceled` and never started; a running one has its backend
   * call stopped, which answers it `canceled`. Unknown or finished: nothing.
   */
  private cancel(peer: string, id: Job["header"]["id"]): void {
    const mine = (job: Job) => job.peer === peer && job.header.id === id;
    const queued = this.queue.removeFirst(mine);
    if (queued !== undefined) {
      this.counters.canceled++;
      this.send(queued, "error", EMPTY, { code: "canceled", message: "canceled by the client before it started" });
      return;
    }
    for (const job of this.running) {
      if (!mine(job) || job.cancel === undefined) continue;
      this.counters.canceled++;
      job.cancel();
      return;
    }
  }

  /** Starts queued jobs while there is room; answers the ones whose client has given up. */
  private pump(): void {
    while (this.inflight < this.options.maxInflight) {
      const job = this.queue.shift();
      if (job === undefined) break;
      const limit = job.header.timeout_ms;
      if (limit !== undefined && hostNow() - job.ts.received > limit) {
        this.counters.expired++;
        this.fail(job, "expired", `waited in the queue longer than its timeout_ms (${limit})`);
        continue;
      }
      this.run(job);
    }
    if (this.inflight === 0 && this.idle !== undefined) this.idle();
  }

  private fail(
    job: Job,
    code: ProtocolErrorCode,
    message: string,
    payload: OutFrame = EMPTY,
    httpStatus?: number,
  ): void {
    if (code !== "rejected" && code !== "expired" && code !== "canceled") this.counters.errors++;
    this.send(job, "error", payload, { code, message }, undefined, httpStatus);
  }

  private send(
    job: Job,
    kind: ReplyKind,
    payload: OutFrame,
    error?: { code: ProtocolErrorCode; message: string },
    id: ReplyHeader["id"] = job.header.id,
    httpStatus?: number,
  ): void {
    if (this.socket.closed) {
      this.counters.dropped++;
      return;
    }
    const ts = job.ts as ReplyHeader["ts"];
    const service = this.service || job.header.service || "";
    const header: ReplyHeader = { v: PROTOCOL_VERSION, id, kind, service, host: this.hostId, ts, batch: MAX_BATCH };
    if (httpStatus !== undefined) header.http_status = httpStatus;
    if (error !== undefined) header.error = { ...error, retryable: RETRYABLE_ERRORS.has(error.code) };
    ts.sent = hostNow();
    this.deliver(job, header, payload);
  }

  /** Part of a streamed answer, sent as it comes: a `chunk` reply ("Streaming" in docs/protocol.md). */
  private sendPiece(job: Job, piece: Buffer): void {
    if (this.socket.closed) return;
    const service = this.service || job.header.service || "";
    const ts = { received: job.ts.received, sent: hostNow() };
    this.deliver(job, { v: PROTOCOL_VERSION, id: job.header.id, kind: "chunk", service, host: this.hostId, ts }, piece);
  }

  /** Replies to one client leave in the order they are made, batched or not. */
  private deliver(job: Job, header: ReplyHeader, payload: OutFrame): void {
    if (job.header.batch === true) {
      this.replies.add(job.peer, job.envelope, encodeHeader(header), payload);
    } else {
      this.outbox.push([...job.envelope, encodeHeader(header), payload]);
    }
  }
}
