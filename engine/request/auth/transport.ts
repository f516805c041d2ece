/**
 * How a launched service host is reached: the one place that decides.
 *
 * - On the engine's own machine: an `ipc://` socket in the session's private
 *   socket directory. Other users cannot open it (0700 directory, 0600 socket),
 *   and no port is exposed to anyone.
 * - On another node (a batch allocation): TCP, with CURVE. The host gets the
 *   session's server key and client allow-list as files; the engine's clients
 *   and the tasks use the session's client pair.
 */
import { networkInterfaces, hostname as osHostname } from "node:os";
import type { CurveClientKeys } from "./client-keys.js";
import type { SessionKeys } from "./session-keys.js";
import type { SocketDir } from "./socket-dir.js";

export type HostTransport = { kind: "ipc"; flags: string[] } | { kind: "tcp"; flags: string[]; keys: CurveClientKeys };

/** Whether `host` (a launcher's hostOf) names the machine this process runs on. */
export function isThisMachine(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name)) return true;
  if (name === osHostname().toLowerCase()) return true;
  for (const addresses of Object.values(networkInterfaces())) {
    if (addresses?.some((address) => address.address.toLowerCase() === name)) return true;
  }
  return false;
}

export function hostTransport(
  instanceId: string,
  host: string,
  sockets: SocketDir,
  keys: () => SessionKeys,
  /** Whether `host` is the engine's machine; tests stand in for a remote node with it. */
  local: (host: string) => boolean = isThisMachine,
): HostTransport {
  if (local(host)) return { kind: "ipc", flags: ["--bind", sockets.endpoint(instanceId)] };
  const session = keys();
  return { kind: "tcp", flags: ["--host", host, "--port", "0", ...session.hostFlags()], keys: session.clientKeys };
}
