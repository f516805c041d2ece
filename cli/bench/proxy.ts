/**
 * A TCP proxy that emulates a network link in user space (no netem needed):
 * every chunk is forwarded after a one-way delay plus up to `jitterMs` more,
 * in order per direction, so the stream stays intact. Remote instances of
 * experiments 2 and 3 are reached through one.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface LatencyProxy {
  /** host:port to connect to instead of the target. */
  address: string;
  port: number;
  close(): Promise<void>;
}

export interface ProxyOptions {
  target: { host: string; port: number };
  delayMs: number;
  jitterMs: number;
}

function delayed(from: Socket, to: Socket, options: ProxyOptions): void {
  // One queue and one timer per direction: dues never decrease, so the head
  // is always the next chunk to leave and the stream stays in order. (A timer
  // per chunk does not: Node rounds each timer to whole milliseconds from the
  // moment it was set, so a later chunk's timer can fire first.)
  const queue: Array<{ due: number; chunk: Buffer }> = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastDue = 0;
  let ended = false;
  const flush = (): void => {
    timer = undefined;
    const now = performance.now();
    while (head < queue.length && queue[head]!.due <= now) {
      const { chunk } = queue[head]!;
      head++;
      if (!to.destroyed) to.write(chunk);
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
      if (ended) to.end();
      return;
    }
    // Node's timers may fire a little early: never send before the due time.
    timer = setTimeout(flush, Math.max(1, Math.ceil(queue[head]!.due - now)));
  };
  from.on("data", (chunk: Buffer) => {
    const due = Math.max(lastDue, performance.now() + options.delayMs + Math.random() * options.jitterMs);
    lastDue = due;
    queue.push({ due, chunk });
    timer ??= setTimeout(flush, Math.max(1, Math.ceil(due - performance.now())));
  });
  from.on("end", () => {
    ended = true;
    if (timer === undefined && head === queue.length) to.end();
  });
}

export async function startProxy(options: ProxyOptions): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(options.target.port, options.target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    delayed(client, upstream, options);
    delayed(upstream, client, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy: no TCP address");
  return {
    address: `127.0.0.1:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
