/**
 * Benchmark: what supervision costs per process. Runs N short processes
 * (`true`) through `startProcess` (own process group, logs appended to files,
 * line splitting, group check at exit) and through a bare
 * `child_process.spawn` that only waits for exit, in the same run, with the
 * same concurrency, and reports the ratio.
 *
 *   npx tsx bench/launch.ts [--processes 200] [--concurrency 8] [--runs 3]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { ProcessRegistry } from "../engine/launch/registry.js";
import { startProcess } from "../engine/launch/supervisor.js";

const { values } = parseArgs({
  options: {
    processes: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
    runs: { type: "string", default: "3" },
  },
});
const PROCESSES = Math.min(5_000, Math.max(1, Number(values.processes)));
const CONCURRENCY = Math.min(64, Math.max(1, Number(values.concurrency)));
const RUNS = Math.min(20, Math.max(1, Number(values.runs)));

async function pool(count: number, one: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) await one(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - started;
}

function bare(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("true", [], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.resume();
    child.stderr.resume();
    child.once("error", reject);
    child.once("close", () => resolve());
  });
}

async function supervised(dir: string, registry: ProcessRegistry, i: number): Promise<void> {
  const record = await startProcess(
    {
      id: `b.${i}`,
      command: ["true"],
      env: {},
      stdoutPath: join(dir, `b.${i}.out`),
      stderrPath: join(dir, `b.${i}.err`),
      onLine: () => {},
    },
    { registry },
  ).exited;
  if (record.failed) throw new Error(`b.${i} failed: ${JSON.stringify(record)}`);
}

const dir = mkdtempSync(join(tmpdir(), "flotilla-bench-launch-"));
try {
  const registry = new ProcessRegistry();
  const bareMs: number[] = [];
  const supervisedMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    bareMs.push(await pool(PROCESSES, () => bare()));
    supervisedMs.push(await pool(PROCESSES, (i) => supervised(dir, registry, run * PROCESSES + i)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const b = median(bareMs);
  const s = median(supervisedMs);
  console.log(`processes ${PROCESSES}, concurrency ${CONCURRENCY}, runs ${RUNS} (median)`);
  console.log(`bare spawn      ${b.toFixed(0)} ms  ${(b / PROCESSES).toFixed(2)} ms/process`);
  console.log(`startProcess    ${s.toFixed(0)} ms  ${(s / PROCESSES).toFixed(2)} ms/process`);
  console.log(`ratio           ${(s / b).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
