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

/** Runs `fn` at `due` (performance.now() time) or later, never earlier: Node's timers may fire a little early. */
function at(due: number, fn: () => void): void {
  const left = due - performance.now();
  if (left <= 0) fn();
  else setTimeout(() => at(due, fn), Math.ceil(left));
}

function delayed(from: Socket, to: Socket, options: ProxyOptions): void {
  // Chunks leave in order: never before the one ahead of them.
  let lastDue = 0;
  let pending = 0;
  let ended = false;
  from.on("data", (chunk: Buffer) => {
    const due = Math.max(lastDue, performance.now() + options.delayMs + Math.random() * options.jitterMs);
    lastDue = due;
    pending++;
    at(due, () => {
      pending--;
      if (!to.destroyed) to.write(chunk);
      if (ended && pending === 0) to.end();
    });
  });
  from.on("end", () => {
    ended = true;
    if (pending === 0) to.end();
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
