/**
 * The research prototype's way, run in the same benchmark: one
 * single-threaded Python REP server per instance and blocking Python REQ
 * clients (Debian's python3-zmq + python3-msgpack, msgpack {cmd, args,
 * kwargs} messages). Clients start together on a signal; throughput is
 * requests over the wall time until the last client is done. CPU per request
 * counts the servers and the Python clients, not this process, which only
 * starts them and reads their results.
 */

import { REP_SERVER, REQ_CLIENT } from "../../cli/bench/baseline/scripts.js";
import type { RequestComponentStats } from "../../engine/events.js";
import { ComponentHistograms } from "../../engine/metrics/histogram.js";
import { cpuWindow } from "./cpu.js";
import type { LoadResult } from "./flotilla-load.js";
import { type Served, served, startProcess } from "./processes.js";

const PYTHON = "/usr/bin/python3";

export async function startBaselineServers(count: number, delayMs = 0, cpuMs = 0): Promise<Served[]> {
  const started = await Promise.all(
    Array.from({ length: count }, () => startProcess(PYTHON, ["-c", REP_SERVER, String(delayMs), String(cpuMs)])),
  );
  return started.map(served);
}

export async function baselineLoad(servers: Served[], clients: number, requests: number): Promise<LoadResult> {
  const endpoints = servers.map((s) => s.endpoint).join(",");
  const started = await Promise.all(
    Array.from({ length: clients }, () => startProcess(PYTHON, ["-c", REQ_CLIENT, endpoints, String(requests)])),
  );
  const cpu = cpuWindow(
    started.map((s) => s.child.pid as number),
    servers.map((s) => s.pid),
  );
  const start = performance.now();
  for (const client of started) client.child.stdin?.write("go\n");
  const outputs = await Promise.all(
    started.map(async (client) => {
      const next = await client.lines.next();
      if (next.done) throw new Error("a baseline client exited without results");
      return JSON.parse(next.value) as { rtt: number[]; svc: number[]; inf: number[] };
    }),
  );
  const seconds = (performance.now() - start) / 1_000;
  const total = clients * requests;
  const used = cpu(total);
  // The clients wait for this, so their threads are still there to be read above.
  for (const client of started) client.child.stdin?.end();
  const histograms = new ComponentHistograms();
  for (const { rtt, svc, inf } of outputs) {
    for (let i = 0; i < rtt.length; i++) {
      const total = rtt[i]!;
      const host = svc[i]!;
      const inference = inf[i]!;
      histograms.record({
        communication_ms: total - host,
        service_ms: host - inference,
        inference_ms: inference,
        total_ms: total,
      });
    }
  }
  const latency: RequestComponentStats = histograms.summary();
  return { requests: total, errors: 0, seconds, throughput: total / seconds, latency, cpu: used };
}
