/** Tables for the request benchmark. */
import type { LatencySummary } from "../../engine/events.js";
import { type CpuPerRequest, cpuTotal } from "./cpu.js";
import type { LoadResult } from "./flotilla-load.js";
import type { OverheadResult } from "./overhead.js";

const ms = (summary: LatencySummary) => `${summary.p50.toFixed(3)}/${summary.p99.toFixed(3)}`;
/** µs per request, every process and thread: total = client + servers. */
const cpuText = (cpu: CpuPerRequest | undefined) =>
  cpu ? `${cpuTotal(cpu).toFixed(1)} = ${cpu.client.toFixed(1)} + ${cpu.server.toFixed(1)}` : "";

export function printRows(results: Record<string, LoadResult>): void {
  console.log(
    "\nscenario                          req/s   errors   p50/p99 ms: communication   service   inference   total   CPU µs/req = client + servers",
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(32)} ${r.throughput.toFixed(0).padStart(7)} ${String(r.errors).padStart(8)}   ${ms(r.latency.communication).padStart(24)} ${ms(r.latency.service).padStart(13)} ${ms(r.latency.inference).padStart(13)} ${ms(r.latency.total).padStart(15)}   ${cpuText(r.cpu)}`,
    );
  }
}

export function printComparison(
  results: Record<string, LoadResult>,
  wide: string,
  narrow: string,
  window: number,
  pipelined: number,
): void {
  console.log("\nFlotilla / baseline                 throughput   p50 total (baseline / flotilla)");
  for (const [shape, target] of [
    [wide, 3],
    [narrow, 5],
  ] as const) {
    const base = results[`baseline ${shape}`]!;
    for (const [label, key] of [
      [`window ${window}`, `flotilla ${shape}`],
      [`window ${pipelined}`, `flotilla ${shape} pipelined`],
    ] as const) {
      const flo = results[key]!;
      const ratio = flo.throughput / base.throughput;
      const p50 = `${base.latency.total.p50.toFixed(3)} / ${flo.latency.total.p50.toFixed(3)} ms`;
      const verdict = `${ratio >= target ? "meets" : "misses"} ${target}x; p50 ${flo.latency.total.p50 <= base.latency.total.p50 ? "no worse" : "worse"}`;
      console.log(
        `${`${shape} ${label}`.padEnd(34)} ${`${ratio.toFixed(2)}x`.padStart(8)}   ${p50.padEnd(24)} ${verdict}`,
      );
    }
  }
  // The ceilings with no Flotilla code: one message per request at the wide shape, and
  // batches like Flotilla's at the narrow one.
  for (const [shape, floorKey, why] of [
    [wide, `floor zeromq.js ${wide}`, "one message per request"],
    [narrow, `floor zeromq.js ${narrow} batched`, "batched, no protocol work"],
  ] as const) {
    const floor = results[floorKey];
    const base = results[`baseline ${shape}`];
    if (!floor || !base) continue;
    const p50 = `${base.latency.total.p50.toFixed(3)} / ${floor.latency.total.p50.toFixed(3)} ms`;
    console.log(
      `${`${shape} bare zeromq.js echo`.padEnd(34)} ${`${(floor.throughput / base.throughput).toFixed(2)}x`.padStart(8)}   ${p50.padEnd(24)} the ceiling: ${why}`,
    );
  }
}

/**
 * CPU per request of each side at each shape, every process and thread, with
 * ZeroMQ's background threads' share: where a side's time per request goes
 * when the machine, not the design, bounds throughput.
 */
export function printCpu(results: Record<string, LoadResult>, wide: string, narrow: string, pipelined: number): void {
  const shapes = [
    ["1x1", "floor flotilla 1 in flight", "floor zeromq.js 1 in flight", "floor pyzmq 1 in flight"],
    [wide, `flotilla ${wide}`, `floor zeromq.js ${wide}`, `baseline ${wide}`],
    [narrow, `flotilla ${narrow}`, `floor zeromq.js ${narrow} batched`, `baseline ${narrow}`],
    [`${wide} x${pipelined}`, `flotilla ${wide} pipelined`, `floor zeromq.js ${wide}`, `baseline ${wide}`],
    [
      `${narrow} x${pipelined}`,
      `flotilla ${narrow} pipelined`,
      `floor zeromq.js ${narrow} batched`,
      `baseline ${narrow}`,
    ],
  ] as const;
  console.log(
    `\n${"CPU µs/request, all processes and threads:".padEnd(43)} ${"Flotilla".padStart(30)} ${"bare echo".padStart(30)} ${"baseline".padStart(30)}   (total = client + servers; of it ZeroMQ threads)`,
  );
  const cell = (cpu: CpuPerRequest | undefined) => (cpu ? `${cpuText(cpu)}; ${cpu.zmq.toFixed(1)}` : "-").padStart(30);
  for (const [shape, flo, echo, base] of shapes) {
    const [f, e, b] = [results[flo]?.cpu, results[echo]?.cpu, results[base]?.cpu];
    const ratio = (x?: CpuPerRequest, y?: CpuPerRequest) =>
      x && y ? `${(cpuTotal(x) / cpuTotal(y)).toFixed(2)}x` : "-";
    console.log(
      `${shape.padEnd(43)} ${cell(f)} ${cell(e)} ${cell(b)}   Flotilla/baseline ${ratio(f, b)}, Flotilla/echo ${ratio(f, e)}`,
    );
  }
}

export function printDelayComparison(
  results: Record<string, LoadResult>,
  wide: string,
  narrow: string,
  delay: number,
  key: "delay" | "cpu",
  what: string,
): void {
  console.log(`\nwith ${delay} ms ${what}     throughput   p50 total (baseline / flotilla)`);
  for (const shape of [wide, narrow]) {
    const base = results[`baseline ${shape} ${key}`]!;
    const flo = results[`flotilla ${shape} ${key}`]!;
    const p50 = `${base.latency.total.p50.toFixed(3)} / ${flo.latency.total.p50.toFixed(3)} ms`;
    console.log(`${shape.padEnd(34)} ${`${(flo.throughput / base.throughput).toFixed(2)}x`.padStart(8)}   ${p50}`);
  }
}

export function printOverhead(cost: OverheadResult): void {
  const base = cost.direct.latency.total.p50;
  console.log("\noverhead over calling the backend directly (16 in flight)    req/s   p50 total ms   added p50 ms");
  for (const [name, r] of [
    ["direct HTTP to the backend", cost.direct],
    ["ZeroMQ to its service host (openai backend)", cost.zmq],
    ["HTTP front -> dispatcher -> ZeroMQ -> host", cost.front],
  ] as const) {
    const p50 = r.latency.total.p50;
    console.log(
      `${name.padEnd(58)} ${r.throughput.toFixed(0).padStart(7)} ${p50.toFixed(3).padStart(14)} ${(p50 - base).toFixed(3).padStart(14)}`,
    );
  }
}
