/**
 * The request-path benchmark (bench/README.md): Flotilla's service hosts and
 * dispatcher against the research prototype's blocking REQ/REP design, in
 * the same run, on NOOP services; then the overhead of the ZeroMQ path and
 * the HTTP front over calling a backend directly.
 *
 *   npx tsx bench/request/run.ts [--requests 1024] [--window 1] [--pipelined 8]
 *                                [--delay 10] [--delay-requests 64] [--out results.json]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { baselineLoad, startBaselineServers } from "./baseline.js";
import { flotillaLoad, type LoadResult } from "./flotilla-load.js";
import { overhead } from "./overhead.js";
import { startTs, stopAll } from "./processes.js";
import { printComparison, printDelayComparison, printOverhead, printRows } from "./report.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1024" },
    window: { type: "string", default: "1" },
    pipelined: { type: "string", default: "8" },
    clients: { type: "string", default: "16" },
    instances: { type: "string", default: "16" },
    delay: { type: "string", default: "10" },
    "delay-requests": { type: "string", default: "64" },
    out: { type: "string" },
  },
});
const requests = bounded(values.requests, 1, 100_000, "--requests");
const window = bounded(values.window, 1, 256, "--window");
const pipelined = bounded(values.pipelined, 1, 256, "--pipelined");
const clients = bounded(values.clients, 1, 64, "--clients");
const instances = bounded(values.instances, 1, 64, "--instances");
const delay = bounded(values.delay, 0, 1_000, "--delay");
const delayRequests = bounded(values["delay-requests"], 1, 10_000, "--delay-requests");

function bounded(text: string | undefined, min: number, max: number, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${flag} must be an integer in [${min}, ${max}]`);
  return value;
}

// Nothing may outlive the benchmark.
const deadline = setTimeout(() => {
  console.error("benchmark exceeded 15 minutes; stopping");
  void stopAll().then(() => process.exit(1));
}, 15 * 60_000);
deadline.unref();

const results: Record<string, LoadResult> = {};
try {
  console.error(`starting ${instances} Flotilla noop service hosts…`);
  const hosts = (await Promise.all(Array.from({ length: instances }, () => startTs("bench/request/noop-host.ts")))).map(
    (h) => h.first,
  );
  const wide = `${clients}x${instances}`;
  const narrow = `${clients}x1`;
  console.error(`Flotilla ${wide}, ${narrow} (window ${window}, then ${pipelined})…`);
  results[`flotilla ${wide}`] = await flotillaLoad(hosts, clients, requests, window);
  results[`flotilla ${narrow}`] = await flotillaLoad(hosts.slice(0, 1), clients, requests, window);
  results[`flotilla ${wide} pipelined`] = await flotillaLoad(hosts, clients, requests, pipelined);
  results[`flotilla ${narrow} pipelined`] = await flotillaLoad(hosts.slice(0, 1), clients, requests, pipelined);
  await stopAll();

  console.error(`baseline: ${instances} Python REP servers, ${clients} blocking REQ clients…`);
  const servers = await startBaselineServers(instances);
  results[`baseline ${wide}`] = await baselineLoad(servers, clients, requests);
  results[`baseline ${narrow}`] = await baselineLoad(servers.slice(0, 1), clients, requests);
  await stopAll();

  if (delay > 0) {
    console.error(`with an emulated inference time of ${delay} ms: Flotilla, then the baseline…`);
    const slow = await Promise.all(
      Array.from({ length: instances }, () => startTs("bench/request/noop-host.ts", ["--delay", String(delay)])),
    );
    const slowHosts = slow.map((h) => h.first);
    results[`flotilla ${wide} delay`] = await flotillaLoad(slowHosts, clients, delayRequests, window);
    results[`flotilla ${narrow} delay`] = await flotillaLoad(slowHosts.slice(0, 1), clients, delayRequests, window);
    await stopAll();
    const slowServers = await startBaselineServers(instances, delay);
    results[`baseline ${wide} delay`] = await baselineLoad(slowServers, clients, delayRequests);
    results[`baseline ${narrow} delay`] = await baselineLoad(slowServers.slice(0, 1), clients, delayRequests);
    await stopAll();
  }

  console.error("overhead against calling the backend directly…");
  const backend = (await startTs("bench/request/direct-server.ts")).first;
  const host = (await startTs("bench/request/noop-host.ts", ["--backend", backend, "--max-inflight", "16"])).first;
  const cost = await overhead(backend, host, Math.min(4 * requests, 8_192), 16);
  results["direct http"] = cost.direct;
  results["zmq + host"] = cost.zmq;
  results["http front + zmq + host"] = cost.front;
  await stopAll();

  printRows(results);
  printComparison(results, wide, narrow, window, pipelined);
  if (delay > 0) printDelayComparison(results, wide, narrow, delay);
  printOverhead(cost);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await stopAll();
  clearTimeout(deadline);
}
