/**
 * zeromq.js allows one pending send per socket at a time (a second one
 * throws EBUSY while the first waits, on any socket type), so every send on
 * a shared socket goes through one queue, drained in order.
 */

import { Fifo } from "./fifo.js";
import type { OutFrame } from "./protocol.js";

interface Sender {
  send(frames: OutFrame[]): Promise<void>;
  readonly closed: boolean;
}

export class SendQueue {
  private readonly queue = new Fifo<OutFrame[]>();
  private sending = false;

  /** `onError` hears about each message that could not be sent (its frames and why). */
  constructor(
    private readonly socket: Sender,
    private readonly onError: (error: unknown, frames: OutFrame[]) => void,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  push(frames: OutFrame[]): void {
    this.queue.push(frames);
    if (!this.sending) void this.drain();
  }

  /** Drops what is still waiting (the socket is closing); returns it. */
  clear(): OutFrame[][] {
    return this.queue.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      for (let frames = this.queue.shift(); frames !== undefined; frames = this.queue.shift()) {
        if (this.socket.closed) {
          this.onError(new Error("socket closed"), frames);
          continue;
        }
        try {
          await this.socket.send(frames);
        } catch (error) {
          this.onError(error, frames);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
