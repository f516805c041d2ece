/**
 * An instance channel held in memory, for dispatcher tests without sockets:
 * each request is answered by a handler the test gives (a reply, a thrown
 * ChannelError, or a promise that never settles until the channel closes).
 */
import {
  ChannelError,
  type ChannelReply,
  type ChannelRequest,
  type InstanceChannel,
} from "../../../../engine/request/dispatch/channel.js";

export type Handler = (request: ChannelRequest, call: number) => Promise<Partial<ChannelReply>> | Partial<ChannelReply>;

const TIMING = { communication_ms: 0.1, service_ms: 0.1, inference_ms: 0.1, total_ms: 0.3 };

export class MemoryChannel implements InstanceChannel {
  calls = 0;
  pings = 0;
  closed = false;
  alive = true;
  private readonly closers = new Set<() => void>();

  constructor(
    readonly endpoint: string,
    private handler: Handler = () => ({}),
  ) {}

  answerWith(handler: Handler): void {
    this.handler = handler;
  }

  async request(request: ChannelRequest, timeoutMs: number, signal?: AbortSignal): Promise<ChannelReply> {
    const call = ++this.calls;
    if (this.closed) throw new ChannelError("closed", `${this.endpoint} is closed`);
    return new Promise<ChannelReply>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(() => reject(new ChannelError("timeout", `no reply within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const onAbort = () => finish(() => reject(new ChannelError("closed", "canceled")));
      const onClose = () => finish(() => reject(new ChannelError("closed", "channel closed")));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.closers.delete(onClose);
        settle();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.closers.add(onClose);
      Promise.resolve()
        .then(() => this.handler(request, call))
        .then(
          (reply) => finish(() => resolve({ status: 200, body: null, timing: TIMING, stamps: {}, ...reply })),
          (error) => finish(() => reject(error)),
        );
    });
  }

  async ping(): Promise<boolean> {
    this.pings++;
    return this.alive;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const close of [...this.closers]) close();
  }
}

/** A handler that never answers (the channel's own timeout ends it). */
export const silent: Handler = () => new Promise(() => {});
