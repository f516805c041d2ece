/**
 * Sends requests to the instances of one service: picks an instance with a
 * balancer, retries a failed attempt on another instance (up to
 * `maxAttempts`), takes instances that stop answering or go silent out of
 * rotation (and reports them, so their liveness is checked at once),
 * rejects explicitly when every instance is full, and bounds every attempt
 * with a timeout. `dispatch` never rejects: every request ends with a reply
 * or an explicit error, recorded in the metrics and the profile.
 */
import type { LogEvent } from "../../events.js";
import type { RequestMetrics } from "../../metrics/collector.js";
import type { RequestProfile } from "../../metrics/profile.js";
import type { BalancerName } from "../../workload/schema.js";
import { type Balancer, createBalancer } from "./balancer.js";
import type { ChannelReply, ChannelRequest, InstanceChannel } from "./channel.js";
import { InstanceEntry } from "./instance.js";
import {
  type AttemptOutcome,
  afterPieces,
  type DispatchErrorKind,
  type DispatchResult,
  errorReply,
  failedAttempt,
} from "./outcome.js";
import { SilenceWatch } from "./silence.js";

// Declared with the outcomes (outcome.ts); re-exported for the dispatcher's callers.
export type { DispatchErrorKind, DispatchResult };

export interface DispatchOptions {
  /** Who sends it, for the profile: an inference task name or "http". */
  source: string;
  index: number;
  balancer?: Balancer;
  timeoutMs?: number;
  maxAttempts?: number;
  signal?: AbortSignal;
}

export interface DispatcherOptions {
  service: string;
  metrics: RequestMetrics;
  profile?: RequestProfile;
  /** Per attempt. */
  requestTimeoutMs: number;
  maxAttempts: number;
  /** Per instance: max_inflight + max_queue of the service. */
  instanceCapacity: number;
  /** Per instance: what a host works on at once; beyond it requests queue (for queue_depth). */
  maxInflight: number;
  /** How often an instance out of rotation is pinged. */
  probeIntervalMs?: number;
  /** The service's liveness period: the longest an instance may stay silent with requests in flight (silence.ts). */
  livenessPeriodMs?: number;
  /** An instance left rotation because it stopped answering: `why` says how; `checkMs`, how long a check of it may take. */
  onSuspect?: (instance: number, why: string, checkMs?: number) => void;
  log?: (level: LogEvent["level"], message: string, subject: string) => void;
  /** For requests that name no balancer (the HTTP front's): the service's `balance`. */
  balance?: BalancerName;
}

const NONE_TRIED: ReadonlySet<number> = new Set();

export class Dispatcher {
  readonly service: string;
  private readonly entries = new Map<number, InstanceEntry>();
  private readonly defaultBalancer: Balancer;
  private closed = false;
  private waiting = 0;
  /** Resolves the current waiters' promise; created only while someone waits. */
  private wake: (() => void) | undefined;
  private changed: Promise<void> | undefined;
  private readonly silence: SilenceWatch | undefined;
  /** Set just before a silent instance is taken out, for its report. */
  private readonly suspectCheckMs = new Map<number, number>();

  constructor(private readonly options: DispatcherOptions) {
    this.service = options.service;
    this.defaultBalancer = createBalancer(options.balance ?? "round_robin");
    if (options.livenessPeriodMs !== undefined) {
      this.silence = new SilenceWatch(
        () => this.entries.values(),
        options.livenessPeriodMs,
        (entry, why, checkMs) => {
          this.suspectCheckMs.set(entry.instance, checkMs);
          entry.takeOut(why, true);
        },
      );
    }
  }

  /** Adds (or replaces, after a restart) an instance. */
  add(instance: number, channel: InstanceChannel, remote = false): void {
    const previous = this.entries.get(instance);
    if (previous) void previous.remove();
    const entry = new InstanceEntry({
      instance,
      channel,
      remote,
      capacity: this.options.instanceCapacity,
      probeIntervalMs: this.options.probeIntervalMs ?? 1_000,
      onRotation: (e, inRotation, why) => {
        this.options.log?.(
          inRotation ? "info" : "warn",
          `${this.service}.${e.instance} ${inRotation ? "back in rotation" : "out of rotation"}: ${why}`,
          `${this.service}.${e.instance}`,
        );
        if (!inRotation) {
          const checkMs = this.suspectCheckMs.get(e.instance);
          this.suspectCheckMs.delete(e.instance);
          this.options.onSuspect?.(e.instance, why, checkMs);
        }
        this.signalChange();
      },
    });
    this.entries.set(instance, entry);
    this.options.metrics.addInstance(this.service, instance, channel.endpoint, this.options.maxInflight);
    this.signalChange();
  }

  /** The instance is gone (exited, stopped): its in-flight attempts are retried elsewhere. */
  async remove(instance: number): Promise<void> {
    const entry = this.entries.get(instance);
    if (!entry) return;
    this.entries.delete(instance);
    if (entry.outstanding > 0 && !this.closed) {
      this.options.log?.(
        "warn",
        `${this.service}.${instance} left: its ${entry.outstanding} request(s) in flight are retried on other instances`,
        `${this.service}.${instance}`,
      );
    }
    await entry.remove();
    this.signalChange();
  }

  /**
   * Stops sending to `instance` and waits until its outstanding requests have
   * ended, at most `timeoutMs`: "drained", "timeout" (some are still on it;
   * removing it retries them elsewhere) or "absent" (not in this dispatcher).
   */
  async drain(instance: number, timeoutMs: number): Promise<"drained" | "timeout" | "absent"> {
    const entry = this.entries.get(instance);
    if (!entry || entry.removed) return "absent";
    const idle = entry.drain();
    this.signalChange();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      return await Promise.race([idle.then(() => "drained" as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The load the autoscaler reads: requests outstanding (in flight and queued)
   * on the instances in rotation, plus those waiting here for an instance, and
   * how many instances are in rotation.
   */
  load(): { outstanding: number; instances: number } {
    let outstanding = this.waiting;
    let instances = 0;
    for (const entry of this.entries.values()) {
      if (!entry.available) continue;
      instances++;
      outstanding += entry.outstanding;
    }
    return { outstanding, instances };
  }

  endpoints(): string[] {
    return [...this.entries.values()].filter((e) => !e.removed).map((e) => e.endpoint);
  }

  get size(): number {
    return this.entries.size;
  }

  async dispatch(request: ChannelRequest, options: DispatchOptions): Promise<DispatchResult> {
    const started = Date.now();
    const result = await this.run(request, options);
    this.record(result, options, started);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.silence?.stop();
    this.signalChange();
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.remove()));
  }

  private async run(request: ChannelRequest, options: DispatchOptions): Promise<DispatchResult> {
    const balancer = options.balancer ?? this.defaultBalancer;
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const maxAttempts = options.maxAttempts ?? this.options.maxAttempts;
    // The whole request, waits for an instance included, ends within maxAttempts × timeoutMs.
    const giveUpAt = performance.now() + maxAttempts * timeoutMs;
    let tried: Set<number> | undefined;
    let last: DispatchResult = { status: "error", attempts: 0, error_kind: "unavailable", error: "not sent" };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // Synchronous when an instance is free: no extra turn of the event loop per request.
      const ready = this.closed || options.signal?.aborted ? undefined : this.pickNow(balancer, tried ?? NONE_TRIED);
      const chosen = ready ?? (await this.choose(balancer, tried ?? NONE_TRIED, giveUpAt, options.signal));
      if (typeof chosen === "string") return this.endWithout(chosen, attempt - 1, last, maxAttempts * timeoutMs);
      const entry = chosen;
      if (attempt > 1) this.options.metrics.retried(this.service);
      const attemptMs = Math.max(1, Math.min(timeoutMs, giveUpAt - performance.now()));
      const outcome =
        request.onPiece === undefined
          ? await this.attempt(entry, request, attemptMs, options.signal)
          : await this.attemptStreamed(entry, request, attemptMs, options.signal);
      if (outcome.status === "ok") {
        // The common case, kept free of copies.
        outcome.attempts = attempt;
        return outcome;
      }
      tried ??= new Set();
      tried.add(entry.instance);
      last = { ...outcome, attempts: attempt };
      if (!outcome.retry) return strip(last);
    }
    return strip({ ...last, error: `${last.error} (after ${maxAttempts} attempts)` });
  }

  /** An attempt that streams: once a piece has gone to the caller, a failure is final, never retried. */
  private async attemptStreamed(
    entry: InstanceEntry,
    request: ChannelRequest,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> {
    const forward = request.onPiece!;
    let pieces = 0;
    const onPiece = (piece: Buffer) => {
      pieces++;
      entry.heard();
      forward(piece);
    };
    return afterPieces(await this.attempt(entry, { ...request, onPiece }, timeoutMs, signal), pieces);
  }

  private async attempt(
    entry: InstanceEntry,
    request: ChannelRequest,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> {
    this.options.metrics.started(this.service, entry.instance);
    let reply: ChannelReply;
    try {
      // Removing the instance closes its channel, which fails this attempt with "closed".
      reply = await entry.channel.request(request, timeoutMs, signal);
    } catch (error) {
      this.options.metrics.attemptFailed(this.service, entry.instance);
      const failed = failedAttempt(error, {
        service: this.service,
        instance: entry.instance,
        endpoint: entry.endpoint,
        canceled: signal?.aborted === true,
        closing: this.closed,
      });
      if (failed.answered) entry.heard();
      if (failed.takeOut !== undefined) entry.takeOut(failed.takeOut);
      return failed.outcome;
    } finally {
      entry.untrack();
      this.signalChange();
    }
    entry.heard();
    this.silence?.answered(reply.timing.total_ms);
    if (reply.queueDepth !== undefined)
      this.options.metrics.setQueueDepth(this.service, entry.instance, reply.queueDepth);
    if (reply.status >= 400) {
      this.options.metrics.attemptFailed(this.service, entry.instance);
      return errorReply(reply, { service: this.service, instance: entry.instance, endpoint: entry.endpoint });
    }
    this.options.metrics.succeeded(this.service, entry.instance, reply.timing);
    return {
      status: "ok",
      instance: entry.instance,
      endpoint: entry.endpoint,
      attempts: 0,
      response: reply.body,
      http_status: reply.status,
      timing: reply.timing,
      stamps: reply.stamps,
    };
  }

  /**
   * An instance for the next attempt, counted as outstanding before anything
   * else can pick (so capacity holds under bursts); "rejected" when every
   * instance in rotation is full; undefined when none is in rotation.
   */
  private pickNow(balancer: Balancer, tried: ReadonlySet<number>): InstanceEntry | "rejected" | undefined {
    let anyInRotation = false;
    const open: InstanceEntry[] = [];
    let untried: InstanceEntry[] | undefined;
    for (const entry of this.entries.values()) {
      if (!entry.available) continue;
      anyInRotation = true;
      if (entry.full) continue;
      open.push(entry);
      if (tried.size > 0 && !tried.has(entry.instance)) {
        untried ??= [];
        untried.push(entry);
      }
    }
    const picked = balancer.pick(untried ?? open);
    if (picked) {
      picked.track();
      return picked;
    }
    return anyInRotation ? "rejected" : undefined;
  }

  /** pickNow, waiting (bounded by `deadline`) while no instance is in rotation. */
  private async choose(
    balancer: Balancer,
    tried: ReadonlySet<number>,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<InstanceEntry | "rejected" | "unavailable" | "canceled"> {
    for (;;) {
      if (this.closed) return "unavailable";
      if (signal?.aborted) return "canceled";
      const picked = this.pickNow(balancer, tried);
      if (picked !== undefined) return picked;
      const left = deadline - performance.now();
      if (left <= 0) return "unavailable";
      await this.waitForChange(left, signal);
    }
  }

  private async waitForChange(ms: number, signal: AbortSignal | undefined): Promise<void> {
    this.waiting++;
    this.options.metrics.setWaiting(this.service, this.waiting);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      this.changed ??= new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      await Promise.race([
        this.changed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
          onAbort = resolve;
          signal?.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      this.waiting--;
      this.options.metrics.setWaiting(this.service, this.waiting);
    }
  }

  private endWithout(
    why: "rejected" | "unavailable" | "canceled",
    attempts: number,
    last: DispatchResult,
    timeoutMs: number,
  ): DispatchResult {
    if (attempts > 0 && why !== "canceled") {
      return strip({ ...last, attempts, error: `${last.error}; no other instance of ${this.service} to retry on` });
    }
    const error =
      why === "rejected"
        ? `every instance of ${this.service} is full (max_inflight + max_queue = ${this.options.instanceCapacity} each)`
        : why === "canceled"
          ? "canceled"
          : `no instance of ${this.service} in rotation within ${timeoutMs} ms`;
    return { status: "error", attempts, error_kind: why, error };
  }

  private record(result: DispatchResult, options: DispatchOptions, started: number): void {
    const metrics = this.options.metrics;
    if (result.status === "error") {
      if (result.error_kind === "rejected") metrics.rejected(this.service);
      else metrics.failed(this.service);
    }
    this.options.profile?.write({
      service: this.service,
      source: options.source,
      index: options.index,
      status: result.status,
      ...(result.instance === undefined ? {} : { instance: result.instance }),
      ...(result.endpoint === undefined ? {} : { endpoint: result.endpoint }),
      attempts: result.attempts,
      ts: started,
      ...result.timing,
      ...(result.stamps === undefined ? {} : { stamps: result.stamps }),
      ...(result.error === undefined ? {} : { error: result.error }),
    });
  }

  private signalChange(): void {
    const wake = this.wake;
    if (wake === undefined) return;
    this.wake = undefined;
    this.changed = undefined;
    wake();
  }
}

function strip(result: AttemptOutcome): DispatchResult {
  const { retry: _retry, ...rest } = result;
  return rest;
}
