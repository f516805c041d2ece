/**
 * One instance as the dispatcher sees it: its channel, what it has in
 * flight, when it last answered anything, and whether it is in rotation. An
 * instance that times out, cannot be reached or goes silent leaves rotation
 * and is pinged until it answers again. A draining instance (the service
 * scales down) gets no new requests and finishes those it has.
 */
import type { InstanceChannel } from "./channel.js";

export interface InstanceEntryOptions {
  instance: number;
  channel: InstanceChannel;
  remote: boolean;
  /** Requests it may hold (in flight + queued) before the dispatcher stops sending. */
  capacity: number;
  probeIntervalMs: number;
  /** Called when it leaves or rejoins rotation. */
  onRotation: (entry: InstanceEntry, inRotation: boolean, why: string) => void;
}

export class InstanceEntry {
  readonly instance: number;
  readonly channel: InstanceChannel;
  readonly remote: boolean;
  readonly capacity: number;
  outstanding = 0;
  /** performance.now() of its last answer (or of the first request since it was idle). */
  lastHeard = performance.now();
  inRotation = true;
  removed = false;
  /** Scaling down: no new requests; the ones it has run to their end. */
  draining = false;
  private idle: (() => void) | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(private readonly options: InstanceEntryOptions) {
    this.instance = options.instance;
    this.channel = options.channel;
    this.remote = options.remote;
    this.capacity = options.capacity;
  }

  get endpoint(): string {
    return this.channel.endpoint;
  }

  get available(): boolean {
    return this.inRotation && !this.removed && !this.draining;
  }

  get full(): boolean {
    return this.outstanding >= this.capacity;
  }

  /** Counts an attempt sent to it (the balancer sees it at once). */
  track(): void {
    // Silence is counted from the moment it has something to answer.
    if (this.outstanding === 0) this.lastHeard = performance.now();
    this.outstanding++;
  }

  /** It answered something (a reply, an error reply, a piece, a pong). */
  heard(): void {
    this.lastHeard = performance.now();
  }

  untrack(): void {
    this.outstanding--;
    if (this.outstanding <= 0) this.wakeIdle();
  }

  /** Takes it out of rotation for good; resolves once nothing is outstanding on it (or it is removed). */
  drain(): Promise<void> {
    this.draining = true;
    if (this.outstanding <= 0 || this.removed) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.idle;
      this.idle = () => {
        previous?.();
        resolve();
      };
    });
  }

  private wakeIdle(): void {
    const idle = this.idle;
    this.idle = undefined;
    idle?.();
  }

  /** Out of rotation until it answers a ping; `probeNow`: the first ping goes at once (it may only be slow). */
  takeOut(why: string, probeNow = false): void {
    if (!this.inRotation || this.removed) return;
    this.inRotation = false;
    this.options.onRotation(this, false, why);
    this.probeTimer = setInterval(() => void this.probe(), this.options.probeIntervalMs);
    this.probeTimer.unref();
    if (probeNow) void this.probe();
  }

  /** Out of rotation for good: closes the channel. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    this.inRotation = false;
    clearInterval(this.probeTimer);
    this.wakeIdle();
    // Closing fails the attempts still in flight with "closed", so they are retried elsewhere.
    await this.channel.close();
  }

  private async probe(): Promise<void> {
    if (this.probing || this.removed) return;
    this.probing = true;
    try {
      const alive = await this.channel.ping(Math.max(100, Math.min(this.options.probeIntervalMs, 2_000)));
      if (alive) this.heard();
      if (alive && !this.removed && !this.inRotation) {
        clearInterval(this.probeTimer);
        this.probeTimer = undefined;
        this.inRotation = true;
        this.options.onRotation(this, true, "answered a ping");
      }
    } finally {
      this.probing = false;
    }
  }
}
