/**
 * Benchmark: `planWorkload` at 1,000 nodes × 64 cores × 8 GPUs with 10,000
 * tasks of mixed shapes (some MPI), against two first-fits of the same
 * requests, measured in the same run: a deliberately naive one that rescans
 * every node from the start for each request, and one that finds the same
 * nodes through a free-capacity index (bench/plan-baselines.ts).
 *
 *   npx tsx bench/plan.ts [--nodes 1000] [--tasks 10000] [--runs 7]
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { NodeResources } from "../engine/platform/types.js";
import type { ResourceRequest } from "../engine/resources.js";
import { planWorkload, requestOf, syntheticNodes } from "../engine/scheduler/plan.js";
import { ResourcePool } from "../engine/scheduler/pool.js";
import { expandServices, expandTasks } from "../engine/workload/expand.js";
import { type Workload, workloadSchema } from "../engine/workload/schema.js";
import { indexedPlace, naivePlace } from "./plan-baselines.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    tasks: { type: "string", default: "10000" },
    runs: { type: "string", default: "7" },
  },
});
const NODES = Number(values.nodes);
const TASKS = Number(values.tasks);
const RUNS = Math.min(50, Math.max(1, Number(values.runs)));

/** Task shapes, cycled so that different shapes interleave as in a real file. */
const SHAPES = [
  { cores: 1, gpus: 0 },
  { cores: 4, gpus: 0 },
  { cores: 1, gpus: 0 },
  { cores: 8, gpus: 1 },
  { cores: 16, gpus: 2 },
  { cores: 8, gpus: 0, ranks: 4 },
  { cores: 2, gpus: 0 },
  { cores: 64, gpus: 0 },
  { cores: 4, gpus: 4 },
  { cores: 1, gpus: 0 },
] as const;

function benchWorkload(tasks: number): Workload {
  const perDefinition = 50;
  const definitions = Array.from({ length: Math.ceil(tasks / perDefinition) }, (_, i) => ({
    name: `t${i}`,
    command: ["true"],
    count: Math.min(perDefinition, tasks - i * perDefinition),
    ...SHAPES[i % SHAPES.length],
  }));
  return workloadSchema.parse({
    version: 1,
    name: "bench",
    services: [{ name: "llm", command: ["serve"], replicas: 100, cores: 4, gpus: 1 }],
    tasks: definitions,
  });
}

function poolPlace(nodes: readonly NodeResources[], requests: readonly ResourceRequest[]): number {
  const pool = new ResourcePool(nodes);
  let placed = 0;
  for (const request of requests) if (pool.place(request) !== undefined) placed++;
  return placed;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time<T>(fn: () => T): { ms: number; result: T } {
  let result = fn(); // warm-up: JIT and allocation
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = fn();
    samples.push(performance.now() - start);
  }
  return { ms: median(samples), result };
}

const workload = benchWorkload(TASKS);
const nodes = syntheticNodes(NODES, 64, 8);
const requests = [...expandServices(workload), ...expandTasks(workload)].map((i) => requestOf(i.spec));

const full = time(() => planWorkload(workload, nodes));
const pool = time(() => poolPlace(nodes, requests));
const naive = time(() => naivePlace(nodes, requests));
const indexed = time(() => indexedPlace(nodes, requests));
if (pool.result !== naive.result.placed) throw new Error(`pool placed ${pool.result}, baseline ${naive.result.placed}`);
// The two baselines must make the very same placements, or their times compare different work.
if (indexed.result.placed !== naive.result.placed || indexed.result.signature !== naive.result.signature) {
  throw new Error("the indexed first-fit placed differently from the naive one");
}

const placed = full.result.services.length + full.result.tasks.length;
const rows = [
  ["measure", "median ms", "vs naive", "vs indexed"],
  ...(
    [
      ["planWorkload (expand + place + report)", full.ms],
      ["ResourcePool.place only", pool.ms],
      ["baseline: first-fit, rescan from node 0", naive.ms],
      ["baseline: first-fit over a free-capacity index", indexed.ms],
    ] as const
  ).map(([name, ms]) => [name, ms.toFixed(1), (naive.ms / ms).toFixed(1), (indexed.ms / ms).toFixed(1)]),
];
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
process.stdout.write(
  `plan benchmark: ${NODES} nodes × 64 cores × 8 GPUs, ${requests.length} requests ` +
    `(${placed} placed, ${full.result.queued.length} queued), median of ${RUNS} runs\n`,
);
for (const row of rows) process.stdout.write(`  ${row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")}\n`);
