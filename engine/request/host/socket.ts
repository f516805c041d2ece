/**
 * The ROUTER socket of a service host, and how it keeps strangers out:
 * CURVE with a ZAP allow-list on TCP (docs/security.md), or nothing beyond
 * the file's mode for a private `ipc://` socket.
 */
import { Router } from "zeromq";
import { ZAP_DOMAIN, ZapHandler } from "../auth/zap.js";
import { MAX_HEADER_BYTES } from "../wire/protocol.js";

/** CURVE: encrypt, and answer only clients whose public key is allowed. */
export interface HostCurve {
  secretKey: string;
  allowedClients: readonly string[];
}

/** The file behind an `ipc://` endpoint (not for abstract `ipc://@name` sockets). */
export function ipcPath(endpoint: string): string | undefined {
  if (!endpoint.startsWith("ipc://") || endpoint.startsWith("ipc://@")) return undefined;
  return endpoint.slice("ipc://".length);
}

export function hostSocket(maxPayload: number, curve: HostCurve | undefined): { socket: Router; zap?: ZapHandler } {
  // Mandatory: a reply to a vanished peer fails its send (EHOSTUNREACH) instead of vanishing
  // silently, so it is counted as dropped. With no high-water mark a send never waits.
  // The transport limit sits above the protocol limit so oversized payloads still get a reply.
  const base = {
    linger: 1_000,
    mandatory: true,
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
    maxMessageSize: 2 * (maxPayload + MAX_HEADER_BYTES),
  };
  if (curve === undefined) return { socket: new Router(base) };
  const zap = new ZapHandler(curve.allowedClients);
  const socket = new Router({
    ...base,
    context: zap.context,
    curveServer: true,
    curveSecretKey: curve.secretKey,
    zapDomain: ZAP_DOMAIN,
    // Fail closed: without a ZAP handler libzmq would otherwise admit any CURVE client.
    zapEnforceDomain: true,
  });
  return { socket, zap };
}

/**
 * Starts the ZAP handler (before the socket binds: a handshake with no handler
 * is refused, not let through) and counts every failed handshake: a refused
 * key (ZAP: auth), a wrong server key (protocol), a client without CURVE
 * (protocol, or "other" when it hangs up first on seeing the mechanism).
 */
export async function startAuth(socket: Router, zap: ZapHandler | undefined, onFailure: () => void): Promise<void> {
  if (zap === undefined) return;
  await zap.start();
  socket.events.on("handshake:error:auth", onFailure);
  socket.events.on("handshake:error:protocol", onFailure);
  socket.events.on("handshake:error:other", onFailure);
}
