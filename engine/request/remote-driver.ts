/**
 * Remote instances: a service's `endpoints` are already running (another
 * machine's `flotilla serve`, or any OpenAI-compatible server); nothing is
 * launched or placed. Each is checked once at start-up, and an unreachable
 * one fails the run (exit 3) with an error naming it.
 */
import { connect } from "node:net";
import { FlotillaError } from "../errors.js";
import type { InstanceDriver } from "../service/driver.js";
import { launchedReplicas } from "../workload/expand.js";
import type { ServiceSpec } from "../workload/schema.js";
import { ServiceClient } from "./client.js";
import { serverRoot } from "./remote-http.js";

/** How long a start-up check may take. */
export const REMOTE_CHECK_MS = 5_000;

/** The endpoint of remote instance `instance` (remote instances follow the launched replicas). */
export function remoteEndpoint(service: ServiceSpec, instance: number): string | undefined {
  return service.endpoints?.[instance - launchedReplicas(service)]?.url;
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

async function checkZmq(service: string, endpoint: string, signal: AbortSignal): Promise<void> {
  const url = new URL(endpoint.replace(/^tcp:/, "http:"));
  if (endpoint.startsWith("tcp://")) {
    // ZeroMQ connects lazily and never reports a refused connection: ask TCP first, for a fast clear error.
    const refused = await tcpAccepts(url.hostname, Number(url.port), signal);
    signal.throwIfAborted();
    if (refused !== undefined) throw unreachable(service, endpoint, refused);
  }
  const client = new ServiceClient(endpoint);
  try {
    const pong = await client.ping(REMOTE_CHECK_MS);
    if (!pong.ok) throw unreachable(service, endpoint, pong.error?.message ?? "ping refused");
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof FlotillaError && error.code === "ENDPOINT_UNREACHABLE") throw error;
    throw unreachable(service, endpoint, `no answer to a ping within ${REMOTE_CHECK_MS} ms`, error);
  } finally {
    client.close();
  }
}

export const remoteDriver: InstanceDriver = {
  remote: true,
  command() {
    throw new FlotillaError("INTERNAL", "remote instances are not launched");
  },
  async waitReady(context, signal) {
    const { service } = context;
    const endpoint = remoteEndpoint(service, context.instance);
    if (endpoint === undefined) {
      throw new FlotillaError(
        "INTERNAL",
        `service ${service.name} has no remote endpoint for instance ${context.instance}`,
      );
    }
    if (/^https?:\/\//.test(endpoint)) {
      await checkHttp(service.name, endpoint, signal);
      return { endpoint };
    }
    await checkZmq(service.name, endpoint, signal);
    return { endpoint, zmq: endpoint };
  },
};
