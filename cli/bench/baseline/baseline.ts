/**
 * Runs the prototype-style baseline next to Flotilla: Python REP servers
 * (kept up, idle, between rounds, as Flotilla's remote hosts are) and
 * blocking Python REQ clients started together for each measurement.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { stopChild, track } from "../children.js";
import { type LatencyProxy, startProxy } from "../proxy.js";
import { round3, stats } from "../stats.js";
import { REP_SERVER, REQ_CLIENT } from "./scripts.js";

/** Why the baseline cannot run with `python`, or undefined when it can. */
export function baselineUnavailable(python: string): string | undefined {
  const check = spawnSync(python, ["-c", "import zmq, msgpack"], { encoding: "utf8", timeout: 30_000 });
  if (check.error !== undefined) return `${python} cannot be run (${check.error.message})`;
  if (check.status !== 0) return `${python} has no pyzmq or msgpack (${check.stderr.trim().split("\n").at(-1)})`;
  return undefined;
}

interface Started {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  rl: Interface;
}

function startPython(python: string, script: string, args: string[]): Started {
  const child = spawn(python, ["-c", script, ...args], { detached: true, stdio: ["pipe", "pipe", "inherit"] });
  track(child);
  const rl = createInterface({ input: child.stdout! });
  return { child, rl, lines: rl[Symbol.asyncIterator]() };
}

async function firstLine(started: Started, what: string): Promise<string> {
  const next = await started.lines.next();
  if (next.done) throw new Error(`a baseline ${what} exited early`);
  return next.value;
}

export interface BaselineServers {
  /** tcp:// endpoints clients connect to (the proxies' with a delay). */
  endpoints: string[];
  stop(): Promise<void>;
}

export async function startBaselineServers(
  python: string,
  count: number,
  link?: { delayMs: number; jitterMs: number },
): Promise<BaselineServers> {
  const servers = Array.from({ length: count }, () => startPython(python, REP_SERVER, ["0"]));
  const proxies: LatencyProxy[] = [];
  const stop = async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(servers.map((s) => stopChild(s.child, 1_000)));
  };
  const direct = await Promise.all(servers.map((s) => firstLine(s, "server")));
  if (link === undefined) return { endpoints: direct, stop };
  for (const endpoint of direct) {
    const url = new URL(endpoint.replace(/^tcp:/, "http:"));
    proxies.push(await startProxy({ target: { host: url.hostname, port: Number(url.port) }, ...link }));
  }
  return { endpoints: proxies.map((p) => `tcp://${p.address}`), stop };
}

export interface BaselineMeasurement {
  requests: number;
  seconds: number;
  throughput: number;
  communication: ReturnType<typeof stats>;
  service: ReturnType<typeof stats>;
  inference: ReturnType<typeof stats>;
  total: ReturnType<typeof stats>;
}

/** `clients` blocking clients, `perClient` requests each, all started at once. */
export async function baselineLoad(
  python: string,
  endpoints: string[],
  clients: number,
  perClient: number,
  signal: AbortSignal,
): Promise<BaselineMeasurement | undefined> {
  const started = Array.from({ length: clients }, () =>
    startPython(python, REQ_CLIENT, [endpoints.join(","), String(perClient)]),
  );
  const stopAll = () => Promise.all(started.map((s) => stopChild(s.child, 500)));
  const onAbort = () => void stopAll();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await Promise.all(started.map((s) => firstLine(s, "client")));
    const t0 = performance.now();
    for (const s of started) s.child.stdin?.write("go\n");
    const outputs = await Promise.all(
      started.map(
        async (s) => JSON.parse(await firstLine(s, "client")) as { rtt: number[]; svc: number[]; inf: number[] },
      ),
    );
    const seconds = (performance.now() - t0) / 1_000;
    // The clients keep their threads until stdin closes (for CPU readings elsewhere): let them go.
    for (const s of started) s.child.stdin?.end();
    const comm: number[] = [];
    const svc: number[] = [];
    const inf: number[] = [];
    const total: number[] = [];
    for (const o of outputs) {
      o.rtt.forEach((rtt, i) => {
        comm.push(rtt - o.svc[i]!);
        svc.push(o.svc[i]! - o.inf[i]!);
        inf.push(o.inf[i]!);
        total.push(rtt);
      });
    }
    const requests = clients * perClient;
    return {
      requests,
      seconds: round3(seconds),
      throughput: round3(requests / seconds),
      communication: stats(comm),
      service: stats(svc),
      inference: stats(inf),
      total: stats(total),
    };
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    await stopAll();
  }
}
