/**
 * What one neighbour can hold of the HTTP front: how long a request may take
 * to arrive, how many connections may be open, how long an idle one stays.
 * Node's defaults (300 s to receive a request, no connection cap) let a slow
 * client keep sockets open for minutes (docs/security.md).
 */
import type { Server } from "node:http";

export interface HttpFrontLimits {
  /** Whole request headers must arrive within this; a connection that sends nothing is closed after it too. */
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
}
