/**
 * A long NOOP run through `flotilla run --json` that samples the resident
 * memory (VmRSS, /proc) of the engine and of every service host while the
 * inference task runs. Memory that grows with the number of requests shows
 * as a difference between the level after the first `baselineAt` requests
 * and the level at the end. Used by the CI soak test and bench/soak/run.ts.
 *
 * A garbage-collected heap's RSS is a sawtooth (it fills up to a limit,
 * then a collection empties it), so one sample against another compares
 * wherever each caught the tooth. A level is the highest sample over a
 * window of `baselineAt` requests: the one after the first `baselineAt`
 * requests, and the last one before the task ends.
 */
import { spawn } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { EngineEvent } from "../../engine/events.js";
import { cliCommand } from "../harness/binary.js";

export interface SoakOptions {
  dir: string;
  requests: number;
  /** Requests completed when the reference level is taken. */
  baselineAt: number;
  replicas?: number;
  concurrency?: number;
  /** Kills the run after this long. */
  limitMs: number;
}

export interface MemoryLevel {
  /** Requests completed when taken (the last of its window). */
  completed: number;
  engineKb: number;
  /** Summed over the service hosts. */
  hostsKb: number;
}

export interface SoakResult {
  code: number | null;
  completed: number;
  ok: boolean;
  durationMs: number;
  baseline: MemoryLevel;
  end: MemoryLevel;
  stderr: string;
}

export function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Writes `count` small completion requests, streamed (a million lines would be a large string). */
async function writeRequests(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!out.write(`{"prompt":"p${i}","max_tokens":4}\n`))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

export async function soak(options: SoakOptions): Promise<SoakResult> {
  const { dir, requests } = options;
  await writeRequests(join(dir, "prompts.jsonl"), requests);
  writeFileSync(
    join(dir, "workload.yaml"),
    `version: 1
services:
  - name: echo
    backend: noop
    replicas: ${options.replicas ?? 2}
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: ${options.concurrency ?? 32}
`,
  );
  // Spawned here, not with startCli: the bench runs outside vitest.
  const [file, ...prefix] = cliCommand();
  const args = [...prefix, "run", "workload.yaml", "--json", "--cores", "8", "--session-dir", join(dir, "s")];
  const child = spawn(file as string, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid as number;
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const limit = setTimeout(() => child.kill("SIGKILL"), options.limitMs);
  const hosts = new Set<number>();
  let completed = 0;
  let done = false;
  let durationMs = 0;
  const samples: MemoryLevel[] = [];
  const sample = () => {
    if (done) return;
    samples.push({
      completed,
      engineKb: rssKb(pid),
      hostsKb: [...hosts].reduce((sum, host) => sum + rssKb(host), 0),
    });
  };
  const sampler = setInterval(sample, 200);
  // The metrics events (every second) say how far the run is.
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    const event = JSON.parse(line) as EngineEvent;
    if (event.type === "service:state" && event.pid !== undefined) hosts.add(event.pid);
    if (event.type === "metrics") completed = event.services.reduce((sum, s) => sum + s.completed, 0);
    if (event.type === "task:state" && event.id === "prompts" && event.state === "done") {
      // Every request is answered and nothing is torn down yet.
      completed = requests;
      sample();
      done = true;
      durationMs = event.duration_ms ?? 0;
    }
  });
  const code = await exited;
  clearTimeout(limit);
  clearInterval(sampler);
  const window = options.baselineAt;
  const baseline = highest(samples.filter((s) => s.completed >= window && s.completed < 2 * window));
  const last = highest(samples.filter((s) => s.completed >= requests - window));
  if (baseline === undefined || last === undefined || !done) {
    throw new Error(`soak ended (code ${code}) after ${completed} of ${requests} requests: ${stderr}`);
  }
  return {
    code,
    completed,
    ok: done,
    durationMs,
    baseline,
    end: last,
    stderr,
  };
}

/** The highest engine and hosts RSS among `samples` (each on its own), at the last sample's count. */
function highest(samples: MemoryLevel[]): MemoryLevel | undefined {
  if (samples.length === 0) return undefined;
  return {
    completed: samples.at(-1)!.completed,
    engineKb: Math.max(...samples.map((s) => s.engineKb)),
    hostsKb: Math.max(...samples.map((s) => s.hostsKb)),
  };
}

/** end / baseline - 1, for engine and hosts. */
export function growth(result: SoakResult): { engine: number; hosts: number } {
  return {
    engine: result.end.engineKb / result.baseline.engineKb - 1,
    hosts: result.end.hostsKb / result.baseline.hostsKb - 1,
  };
}
