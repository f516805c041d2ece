/**
 * Remote instances: a service's `endpoints` are already running (another
 * machine's `flotilla serve`, or any OpenAI-compatible server); nothing is
 * launched or placed. Each is checked once at start-up, and an unreachable
 * one fails the run (exit 3) with an error naming it.
 */
import { connect } from "node:net";
import { resolve } from "node:path";
import { FlotillaError } from "../../errors.js";
import type { InstanceDriver } from "../../service/driver.js";
import { launchedReplicas } from "../../workload/expand.js";
import type { EndpointSpec, ServiceSpec } from "../../workload/schema.js";
import { type CurveClientKeys, completeKeys, readClientKeys, readServerKey } from "../auth/client-keys.js";
import { isCurveKey } from "../auth/z85.js";
import { serverRoot } from "../dispatch/http-channel.js";
import { ServiceClient } from "../wire/client.js";

/** How long a start-up check may take. */
export const REMOTE_CHECK_MS = 5_000;

/** The endpoint of remote instance `instance` (remote instances follow the launched replicas). */
export function remoteEndpointSpec(service: ServiceSpec, instance: number): EndpointSpec | undefined {
  return service.endpoints?.[instance - launchedReplicas(service)];
}

export function remoteEndpoint(service: ServiceSpec, instance: number): string | undefined {
  return remoteEndpointSpec(service, instance)?.url;
}

function unreachable(service: string, endpoint: string, why: string, cause?: unknown): FlotillaError {
  return new FlotillaError(
    "ENDPOINT_UNREACHABLE",
    `remote endpoint ${endpoint} of service ${service} is unreachable: ${why}`,
    {
      cause,
      context: { service, endpoint },
    },
  );
}

async function checkHttp(service: string, endpoint: string, signal: AbortSignal): Promise<void> {
  try {
    // Any HTTP answer proves a server is there; /v1/models is cheap on every OpenAI-compatible one.
    const response = await fetch(`${serverRoot(endpoint)}/v1/models`, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(REMOTE_CHECK_MS)]),
    });
    await response.body?.cancel();
  } catch (error) {
    signal.throwIfAborted();
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw unreachable(service, endpoint, code ?? (error instanceof Error ? error.message : String(error)), error);
  }
}

function tcpAccepts(host: string, port: number, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, signal });
    socket.setTimeout(REMOTE_CHECK_MS, () => socket.destroy(new Error("connect timed out")));
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (error: Error & { code?: string }) => resolve(error.code ?? error.message));
  });
}

async function checkZmq(
  service: string,
  endpoint: string,
  keys: CurveClientKeys | undefined,
  signal: AbortSignal,
): Promise<void> {
  const url = new URL(endpoint.replace(/^tcp:/, "http:"));
  if (endpoint.startsWith("tcp://")) {
    // ZeroMQ connects lazily and never reports a refused connection: ask TCP first, for a fast clear error.
    const refused = await tcpAccepts(url.hostname, Number(url.port), signal);
    signal.throwIfAborted();
    if (refused !== undefined) throw unreachable(service, endpoint, refused);
  }
  const client = new ServiceClient(endpoint, keys === undefined ? {} : { curve: keys });
  try {
    const pong = await client.ping(REMOTE_CHECK_MS);
    if (!pong.ok) throw unreachable(service, endpoint, pong.error?.message ?? "ping refused");
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof FlotillaError && error.code === "ENDPOINT_UNREACHABLE") throw error;
    // A CURVE host answers nothing at all to a client without the right keys.
    const why = `no answer to a ping within ${REMOTE_CHECK_MS} ms (a host that requires CURVE keys answers nothing without the right ones: check server_key and client_keys)`;
    throw unreachable(service, endpoint, why, error);
  } finally {
    client.close();
  }
}

/**
 * The CURVE keys of a remote `tcp://` endpoint, from its `server_key` (inline
 * or a file) and `client_keys` (a file), relative to the workload's directory.
 */
export function remoteKeys(service: string, spec: EndpointSpec, workloadDir: string): CurveClientKeys | undefined {
  if (spec.server_key === undefined && spec.client_keys === undefined) return undefined;
  const what = `service ${service}, endpoint ${spec.url}:`;
  const keys =
    spec.client_keys === undefined
      ? {}
      : readClientKeys(`${what} client_keys`, resolve(workloadDir, spec.client_keys), spec.url);
  if (spec.server_key !== undefined) {
    const key = spec.server_key;
    keys.serverKey = readServerKey(`${what} server_key`, isCurveKey(key) ? key : resolve(workloadDir, key));
  }
  return completeKeys(`${what} CURVE keys (server_key and client_keys)`, keys);
}

/** Remote instances; key files in the workload are relative to `workloadDir`. */
export function remoteDriver(workloadDir: string): InstanceDriver {
  return {
    remote: true,
    command() {
      throw new FlotillaError("INTERNAL", "remote instances are not launched");
    },
    async waitReady(context, signal) {
      const { service } = context;
      const spec = remoteEndpointSpec(service, context.instance);
      if (spec === undefined) {
        throw new FlotillaError(
          "INTERNAL",
          `service ${service.name} has no remote endpoint for instance ${context.instance}`,
        );
      }
      const endpoint = spec.url;
      if (/^https?:\/\//.test(endpoint)) {
        await checkHttp(service.name, endpoint, signal);
        return { endpoint };
      }
      const keys = remoteKeys(service.name, spec, workloadDir);
      await checkZmq(service.name, endpoint, keys, signal);
      return { endpoint, zmq: endpoint, ...(keys === undefined ? {} : { keys }) };
    },
  };
}
