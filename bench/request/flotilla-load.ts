/**
 * Flotilla's side of the benchmark: `clients` clients, each sending
 * `requests` requests with `window` in flight, through one Dispatcher
 * (round-robin) over ZeroMQ to the service hosts, as the engine does for
 * inference tasks.
 */
import type { RequestComponentStats } from "../../engine/events.js";
import { RequestMetrics } from "../../engine/metrics/collector.js";
import type { CurveClientKeys } from "../../engine/request/auth/client-keys.js";
import type { ChannelRequest } from "../../engine/request/dispatch/channel.js";
import { Dispatcher } from "../../engine/request/dispatch/dispatcher.js";
import { ZmqChannel } from "../../engine/request/dispatch/zmq-channel.js";
import { type CpuPerRequest, cpuWindow } from "./cpu.js";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  throughput: number;
  latency: RequestComponentStats;
  /** CPU per request in the timed window, when the side's server processes were given. */
  cpu?: CpuPerRequest;
}

export async function flotillaLoad(
  endpoints: string[],
  clients: number,
  requests: number,
  window: number,
  request: ChannelRequest = { method: "POST", path: "/v1/completions", body: { prompt: "hello" } },
  /** The client keys for CURVE hosts. */
  curve?: CurveClientKeys,
  /** The host processes, to measure CPU per request; the client is this process. */
  hostPids?: number[],
): Promise<LoadResult> {
  const metrics = new RequestMetrics();
  const dispatcher = new Dispatcher({
    service: "bench",
    metrics,
    requestTimeoutMs: 30_000,
    maxAttempts: 1,
    instanceCapacity: 1_000_000,
    maxInflight: 256,
  });
  const channels = endpoints.map((endpoint) => new ZmqChannel(endpoint, "bench", curve));
  // Warm every connection up before timing, outside the metrics.
  await Promise.all(channels.map((channel) => channel.request(request, 30_000)));
  for (const [i, channel] of channels.entries()) dispatcher.add(i, channel);
  let errors = 0;
  const cpu = hostPids && cpuWindow([process.pid], hostPids);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: window }, async () => {
          for (let i = next++; i < requests; i = next++) {
            const result = await dispatcher.dispatch(request, { source: `client${client}`, index: i });
            if (result.status !== "ok") errors++;
          }
        }),
      );
    }),
  );
  const seconds = (performance.now() - start) / 1_000;
  const total = clients * requests;
  const used = cpu?.(total);
  await dispatcher.close();
  const snapshot = metrics.snapshot(true).services[0];
  return {
    requests: total,
    errors,
    seconds,
    throughput: total / seconds,
    latency: snapshot!.latency,
    ...(used && { cpu: used }),
  };
}
