/**
 * What one neighbour can hold of the HTTP front: how long a request may take
 * to arrive, how many connections may be open, how long an idle one stays.
 * Node's defaults (300 s to receive a request, no connection cap) let a slow
 * client keep sockets open for minutes (docs/security.md).
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface HttpFrontLimits {
  /** Whole request headers must arrive within this, counted from the connection or the request's first byte. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (the answer may take longer). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections past this many are closed as they arrive. */
  maxConnections: number;
}

export const DEFAULT_FRONT_LIMITS: HttpFrontLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
};

/** Options for createServer: Node checks its timeouts only every connectionsCheckingInterval. */
export function serverTimeouts(limits: HttpFrontLimits) {
  const requestTimeout = limits.requestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(limits.headersTimeoutMs, requestTimeout);
  return {
    headersTimeout,
    requestTimeout,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
}

/** Applies what createServer does not take as options. */
export function applyLimits(server: Server, limits: HttpFrontLimits): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  const { headersTimeout } = serverTimeouts(limits);
  // Node times headers only from a request's first byte: a connection that never sends one
  // would hold its place under maxConnections for ever.
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), headersTimeout);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    firstRequest.set(socket, timer);
  });
  server.on("request", (req) => {
    const timer = firstRequest.get(req.socket);
    if (timer !== undefined) {
      clearTimeout(timer);
      firstRequest.delete(req.socket);
    }
  });
}

const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
