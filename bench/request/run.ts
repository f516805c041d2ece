/**
 * The request-path benchmark (bench/README.md): Flotilla's service hosts and
 * dispatcher against the research prototype's blocking REQ/REP design, in
 * the same run, on NOOP services; then the overhead of the ZeroMQ path and
 * the HTTP front over calling a backend directly.
 *
 *   npx tsx bench/request/run.ts [--requests 1024] [--window 1] [--pipelined 8] [--rounds 3]
 *                                [--delay 10] [--delay-requests 64] [--cpu 5] [--cpu-requests 64]
 *                                [--out results.json]
 *
 * Flotilla and the baseline run alternately, `--rounds` times, with both
 * sides' processes up the whole time (idle ones cost nothing), so a load
 * change on the machine hits both alike; each scenario reports its median
 * round (by throughput), and the CPU time per request of every process and
 * thread on each side (client and servers) in its median round by that CPU
 * time: on a loaded machine throughput follows the neighbours, CPU per
 * request much less.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SEND_BATCH } from "../../engine/request/wire/protocol.js";
import { baselineLoad, startBaselineServers } from "./baseline.js";
import { cpuTotal } from "./cpu.js";
import { nodeFloor, nodeFloorBatched, nodeFloorWide, pythonFloor } from "./floor.js";
import { flotillaLoad, type LoadResult } from "./flotilla-load.js";
import { overhead } from "./overhead.js";
import { type Served, served, startTs, stopAll } from "./processes.js";
import { printComparison, printCpu, printDelayComparison, printOverhead, printRows } from "./report.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1024" },
    window: { type: "string", default: "1" },
    pipelined: { type: "string", default: "8" },
    clients: { type: "string", default: "16" },
    instances: { type: "string", default: "16" },
    delay: { type: "string", default: "10" },
    "delay-requests": { type: "string", default: "64" },
    cpu: { type: "string", default: "5" },
    "cpu-requests": { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
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
const cpu = bounded(values.cpu, 0, 1_000, "--cpu");
const cpuRequests = bounded(values["cpu-requests"], 1, 10_000, "--cpu-requests");
const rounds = bounded(values.rounds, 1, 20, "--rounds");

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
const samples: Record<string, LoadResult[]> = {};

async function sample(name: string, run: () => Promise<LoadResult>): Promise<void> {
  const result = await run();
  samples[name] ??= [];
  samples[name].push(result);
}

function settle(): void {
  for (const [name, runs] of Object.entries(samples)) {
    const sorted = [...runs].sort((a, b) => a.throughput - b.throughput);
    const byCpu = runs.filter((r) => r.cpu).sort((a, b) => cpuTotal(a.cpu!) - cpuTotal(b.cpu!));
    const cpu = byCpu[Math.floor(byCpu.length / 2)]?.cpu;
    results[name] = { ...sorted[Math.floor(sorted.length / 2)]!, ...(cpu && { cpu }) };
  }
}

/** Flotilla's side: the dispatcher and clients in this process, the hosts in theirs. */
const flotilla = (hosts: Served[], clients: number, requests: number, window: number) =>
  flotillaLoad(
    hosts.map((h) => h.endpoint),
    clients,
    requests,
    window,
    undefined,
    undefined,
    hosts.map((h) => h.pid),
  );

const startHosts = async (delayMs: number, count = instances, cpuMs = 0) =>
  (
    await Promise.all(
      Array.from({ length: count }, () =>
        startTs("bench/request/noop-host.ts", ["--delay", String(delayMs), "--cpu", String(cpuMs)]),
      ),
    )
  ).map(served);

try {
  const wide = `${clients}x${instances}`;
  const narrow = `${clients}x1`;
  console.error(`starting ${instances} Flotilla noop service hosts and ${instances} Python REP servers…`);
  const [hosts, servers] = await Promise.all([startHosts(0), startBaselineServers(instances)]);
  for (let round = 1; round <= rounds; round++) {
    console.error(
      `NOOP round ${round}/${rounds}: ${wide} and ${narrow}, Flotilla (window ${window}, then ${pipelined}) and baseline…`,
    );
    await sample(`flotilla ${wide}`, () => flotilla(hosts, clients, requests, window));
    await sample(`baseline ${wide}`, () => baselineLoad(servers, clients, requests));
    await sample(`flotilla ${narrow}`, () => flotilla(hosts.slice(0, 1), clients, requests, window));
    await sample(`baseline ${narrow}`, () => baselineLoad(servers.slice(0, 1), clients, requests));
    await sample(`flotilla ${wide} pipelined`, () => flotilla(hosts, clients, requests, pipelined));
    await sample(`flotilla ${narrow} pipelined`, () => flotilla(hosts.slice(0, 1), clients, requests, pipelined));
  }
  await stopAll();

  if (delay > 0) {
    console.error(`with an emulated inference time of ${delay} ms…`);
    const [slowHosts, slowServers] = await Promise.all([startHosts(delay), startBaselineServers(instances, delay)]);
    for (let round = 1; round <= rounds; round++) {
      console.error(`delay round ${round}/${rounds}…`);
      await sample(`flotilla ${wide} delay`, () => flotilla(slowHosts, clients, delayRequests, window));
      await sample(`baseline ${wide} delay`, () => baselineLoad(slowServers, clients, delayRequests));
      await sample(`flotilla ${narrow} delay`, () => flotilla(slowHosts.slice(0, 1), clients, delayRequests, window));
      await sample(`baseline ${narrow} delay`, () => baselineLoad(slowServers.slice(0, 1), clients, delayRequests));
    }
    await stopAll();
  }
  if (cpu > 0) {
    // A backend whose concurrency costs: each request burns CPU, so neither side can overlap
    // more of them than the machine has cores, whatever max_inflight says.
    console.error(`with ${cpu} ms of CPU burnt per request…`);
    const [cpuHosts, cpuServers] = await Promise.all([
      startHosts(0, instances, cpu),
      startBaselineServers(instances, 0, cpu),
    ]);
    for (let round = 1; round <= rounds; round++) {
      console.error(`cpu round ${round}/${rounds}…`);
      await sample(`flotilla ${wide} cpu`, () => flotilla(cpuHosts, clients, cpuRequests, window));
      await sample(`baseline ${wide} cpu`, () => baselineLoad(cpuServers, clients, cpuRequests));
      await sample(`flotilla ${narrow} cpu`, () => flotilla(cpuHosts.slice(0, 1), clients, cpuRequests, window));
      await sample(`baseline ${narrow} cpu`, () => baselineLoad(cpuServers.slice(0, 1), clients, cpuRequests));
    }
    await stopAll();
  }
  settle();

  console.error("one message at a time with each binding, no Flotilla code…");
  const echoes = (await Promise.all(Array.from({ length: instances }, () => startTs("bench/request/zmq-echo.ts")))).map(
    served,
  );
  const echo = echoes[0]!;
  const floorServers = await startBaselineServers(1);
  const [floorHost] = await startHosts(0, 1);
  const floorRequests = Math.min(4 * requests, 8_192);
  for (let round = 1; round <= rounds; round++) {
    await sample("floor zeromq.js 1 in flight", () => nodeFloor(echo, floorRequests));
    await sample(`floor zeromq.js ${wide}`, () => nodeFloorWide(echoes, requests));
    await sample(`floor zeromq.js ${narrow} batched`, () =>
      nodeFloorBatched(echo, clients * window, SEND_BATCH, clients * requests),
    );
    await sample("floor pyzmq 1 in flight", () => pythonFloor(floorServers, floorRequests));
    await sample("floor flotilla 1 in flight", () => flotilla([floorHost!], 1, floorRequests, 1));
  }
  await stopAll();
  settle();

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
  printCpu(results, wide, narrow, pipelined);
  if (delay > 0) printDelayComparison(results, wide, narrow, delay, "delay", "of emulated inference (a timer)");
  if (cpu > 0) printDelayComparison(results, wide, narrow, cpu, "cpu", "of CPU burnt per request");
  printOverhead(cost);
  if (values.out) writeFileSync(values.out, `${JSON.stringify({ results, samples }, null, 2)}\n`);
} finally {
  await stopAll();
  clearTimeout(deadline);
}
