/**
 * What the request path costs over calling an OpenAI-compatible backend
 * directly: the same trivial backend (direct-server.ts) reached (a) over
 * HTTP keep-alive, (b) through a service host over ZeroMQ (openai backend),
 * (c) through the HTTP front, dispatcher, ZeroMQ and the service host.
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import type { RequestComponentStats } from "../../engine/events.js";
import { RequestMetrics } from "../../engine/metrics/collector.js";
import { ComponentHistograms } from "../../engine/metrics/histogram.js";
import { Dispatcher } from "../../engine/request/dispatch/dispatcher.js";
import { ZmqChannel } from "../../engine/request/dispatch/zmq-channel.js";
import { startHttpFront } from "../../engine/request/front/http-front.js";
import { flotillaLoad, type LoadResult } from "./flotilla-load.js";

const BODY = JSON.stringify({ model: "bench", prompt: "hello", max_tokens: 1 });

/** `total` requests, `concurrency` in flight, each a POST of BODY to `url`, over keep-alive. */
export async function httpLoad(url: string, total: number, concurrency: number, token?: string): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const histograms = new ComponentHistograms();
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now();
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(BODY),
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(BODY);
    });
  for (let i = 0; i < concurrency; i++) await one();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const ms = await one();
        histograms.record({ communication_ms: ms, service_ms: 0, inference_ms: 0, total_ms: ms });
      }
    }),
  );
  const seconds = (performance.now() - start) / 1_000;
  agent.destroy();
  const latency: RequestComponentStats = histograms.summary();
  return { requests: total, errors: 0, seconds, throughput: total / seconds, latency };
}

export interface OverheadResult {
  direct: LoadResult;
  zmq: LoadResult;
  front: LoadResult;
}

export async function overhead(
  backendUrl: string,
  hostEndpoint: string,
  total: number,
  concurrency: number,
): Promise<OverheadResult> {
  const direct = await httpLoad(`${backendUrl}/v1/completions`, total, concurrency);
  const zmq = await flotillaLoad([hostEndpoint], 1, total, concurrency, {
    method: "POST",
    path: "/v1/completions",
    body: JSON.parse(BODY),
  });
  const dispatcher = new Dispatcher({
    service: "bench",
    metrics: new RequestMetrics(),
    requestTimeoutMs: 30_000,
    maxAttempts: 1,
    instanceCapacity: 1_000_000,
    maxInflight: 256,
  });
  dispatcher.add(0, new ZmqChannel(hostEndpoint, "bench"));
  // With a token, as a run serves it: its check is part of the front's cost.
  const token = randomBytes(32).toString("base64url");
  const front = await startHttpFront({ dispatcherFor: () => dispatcher, token });
  try {
    const viaFront = await httpLoad(`${front.baseUrl("bench")}/completions`, total, concurrency, token);
    return { direct, zmq, front: viaFront };
  } finally {
    await front.close();
    await dispatcher.close();
  }
}
