/**
 * Batches (docs/protocol.md, "Batches"): requests or replies queued for the
 * same peer while the event loop is busy go out together, as one ZeroMQ
 * message of header/payload pairs, once the current turn is done
 * (setImmediate), at most `maxPerMessage` pairs each. A lone pair goes out
 * as a plain two-frame message. For small requests the cost is in waking
 * both ends once per message, not in the bytes, so fewer messages is what
 * makes them cheap.
 */
import type { Frame, OutFrame } from "./protocol.js";
import type { SendQueue } from "./send-queue.js";

interface Group {
  frames: OutFrame[];
  pairs: number;
}

export class Coalescer {
  private readonly groups = new Map<string, Group>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly outbox: SendQueue,
    readonly maxPerMessage: number,
  ) {}

  /** Queues one header/payload pair for the peer named `key`, behind `envelope` (its routing frames). */
  add(key: string, envelope: readonly Frame[], header: Frame, payload: OutFrame): void {
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { frames: [...envelope], pairs: 0 };
      this.groups.set(key, group);
    }
    group.frames.push(header, payload);
    if (++group.pairs >= this.maxPerMessage) {
      this.groups.delete(key);
      this.outbox.push(group.frames);
    }
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Hands everything waiting to the send queue now. */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const group of this.groups.values()) this.outbox.push(group.frames);
    this.groups.clear();
  }

  /** Drops everything waiting (the socket is closing). */
  clear(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.groups.clear();
  }
}
