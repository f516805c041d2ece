/**
 * The dashboard must not slow the engine: the same NOOP inference workload
 * runs with `--json` (no UI) and with the dashboard in a real terminal
 * (tmux), alternating, and the requests per second of each are compared.
 * Target: the dashboard keeps at least 90% of --json's throughput.
 *
 *   npx tsx bench/tui/run.ts [--requests 20000] [--rounds 3] [--concurrency 64] [--replicas 2]
 *
 * Throughput of a run = requests completed (final metrics event) / the
 * inference task's duration (its task:state done event); the final metrics
 * event's own `rate` (last interval) is shown alongside.
 *
 * Wall-clock throughput swings with whatever else the host runs, so each run
 * also reports the CPU time of the flotilla process itself (where the
 * dashboard runs; the service hosts are the same in both modes), sampled
 * from /proc while the inference task runs: the dashboard's cost shows as
 * extra CPU for the same requests.
 *
 * Runs dist/flotilla when built, else the sources; both sides get
 * NODE_ENV=production, as the binary's bundle is built (React's development
 * build would charge the dashboard for checks users never run).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { EngineEvent, MetricsEvent } from "../../engine/events.js";
import { readEventsFile } from "../../engine/session/index.js";
import { cliCommand } from "../harness/binary.js";
import { hasTmux, shellQuote, TmuxPane } from "../harness/tmux.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "64" },
    replicas: { type: "string", default: "2" },
  },
});
const bounded = (text: string | undefined, min: number, max: number, flag: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${flag} must be in [${min}, ${max}]`);
  return value;
};
const requests = bounded(values.requests, 100, 1_000_000, "--requests");
const rounds = bounded(values.rounds, 1, 10, "--rounds");
const concurrency = bounded(values.concurrency, 1, 1024, "--concurrency");
const replicas = bounded(values.replicas, 1, 16, "--replicas");
const RUN_TIMEOUT_MS = 300_000;

interface Result {
  mode: "json" | "tui";
  completed: number;
  durationMs: number;
  rps: number;
  lastRate: number;
  exitCode: number | undefined;
  /** CPU time (user + system) of the flotilla process while the inference task ran, ms. */
  cpuMs: number;
}

type CpuSamples = Array<[ts: number, cpuMs: number]>;

/** CPU time at `ts`: the last sample taken at or before it. */
function cpuAt(samples: CpuSamples, ts: number): number {
  let value = 0;
  for (const [at, cpu] of samples) if (at <= ts) value = cpu;
  return value;
}

/** Samples the CPU time of the session's own process (pid from session:start) until stopped. */
function cpuSampler(sessionDir: string): { stop(): CpuSamples } {
  let pid: number | undefined;
  const samples: CpuSamples = [];
  const ticksPerMs = 100 / 1_000; // USER_HZ is 100 on Linux
  const timer = setInterval(() => {
    try {
      if (pid === undefined) {
        const first = readFileSync(join(sessionDir, "events.jsonl"), "utf8").split("\n", 1)[0] ?? "";
        pid = (JSON.parse(first) as { pid?: number }).pid;
        if (pid === undefined) return;
      }
      const fields = readFileSync(`/proc/${pid}/stat`, "latin1")
        .replace(/^.*\) /, "")
        .split(" ");
      // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command name.
      samples.push([Date.now(), (Number(fields[11]) + Number(fields[12])) / ticksPerMs]);
    } catch {
      // Not started yet, or already gone: keep the last sample.
    }
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

function measure(mode: Result["mode"], events: EngineEvent[], samples: CpuSamples): Result {
  const final = events.filter((e): e is EngineEvent & MetricsEvent => e.type === "metrics").at(-1);
  const done = events.find((e) => e.type === "task:state" && e.id === "infer" && e.state === "done");
  const running = events.find((e) => e.type === "task:state" && e.id === "infer" && e.state === "running");
  const end = events.find((e) => e.type === "session:end");
  const service = final?.services.find((s) => s.service === "noop");
  const durationMs = done?.type === "task:state" ? (done.duration_ms ?? Number.NaN) : Number.NaN;
  const completed = service?.completed ?? 0;
  return {
    mode,
    completed,
    durationMs,
    rps: completed / (durationMs / 1_000),
    lastRate: service?.rate ?? Number.NaN,
    exitCode: end?.type === "session:end" ? end.exit_code : undefined,
    cpuMs: done && running ? cpuAt(samples, done.ts) - cpuAt(samples, running.ts) : Number.NaN,
  };
}

async function runJson(dir: string, round: number): Promise<Result> {
  const session = join(dir, `json-${round}`);
  const [file, ...args] = cliCommand();
  const child = spawn(
    file as string,
    [...args, "run", join(dir, "workload.yaml"), "--json", "--session-dir", session],
    {
      cwd: dir,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const timer = setTimeout(() => child.kill("SIGINT"), RUN_TIMEOUT_MS);
  const cpu = cpuSampler(session);
  await new Promise((resolve) => child.once("close", resolve));
  clearTimeout(timer);
  return measure("json", readEventsFile(join(session, "events.jsonl")), cpu.stop());
}

async function runTui(dir: string, round: number): Promise<Result> {
  const session = join(dir, `tui-${round}`);
  const exitFile = join(dir, `tui-${round}.exit`);
  const cli = [...cliCommand(), "run", join(dir, "workload.yaml"), "--session-dir", session].map(shellQuote).join(" ");
  const pane = new TmuxPane(100, 30);
  const cpu = cpuSampler(session);
  let samples: CpuSamples = [];
  try {
    pane.start(`sh -c ${shellQuote(`${cli}; echo $? > ${shellQuote(exitFile)}; sleep 30`)}`, dir, {
      NODE_ENV: "production",
    });
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    while (!existsSync(exitFile)) {
      if (Date.now() > deadline) {
        pane.keys("C-c");
        await sleep(200);
        pane.keys("y");
        throw new Error(`dashboard run ${round} did not finish within ${RUN_TIMEOUT_MS / 1000}s`);
      }
      await sleep(100);
    }
    samples = cpu.stop();
    if (!pane.screen().includes("ended: ok"))
      console.error(`round ${round}: the dashboard's final frame:\n${pane.screen()}`);
  } finally {
    cpu.stop();
    pane.kill();
  }
  return measure("tui", readEventsFile(join(session, "events.jsonl")), samples);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

if (!hasTmux()) {
  console.error("tmux is needed for the dashboard side of this benchmark (Debian package tmux)");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "flotilla-bench-tui-"));
try {
  const lines = Array.from({ length: requests }, (_, i) => JSON.stringify({ prompt: `p${i}`, max_tokens: 4 }));
  writeFileSync(join(dir, "prompts.jsonl"), `${lines.join("\n")}\n`);
  writeFileSync(
    join(dir, "workload.yaml"),
    `version: 1
name: bench-tui
allocation: { platform: local, cores: ${replicas + 1}, gpus: 0 }
services:
  - name: noop
    backend: noop
    replicas: ${replicas}
    cores: 1
tasks:
  - name: infer
    service: noop
    requests: prompts.jsonl
    concurrency: ${concurrency}
    cores: 0
`,
  );
  console.error(`${requests} NOOP requests, ${replicas} instances, concurrency ${concurrency}, ${rounds} rounds`);
  const results: Result[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // Alternate which goes first, so drift (caches, other load) does not favour one side.
    const order = round % 2 === 0 ? [runJson, runTui] : [runTui, runJson];
    for (const run of order) {
      const result = await run(dir, round);
      results.push(result);
      console.error(
        `round ${round} ${result.mode.padEnd(4)} ${result.completed} requests in ${result.durationMs} ms = ${result.rps.toFixed(0)} req/s (last interval ${result.lastRate}), flotilla CPU meanwhile ${Math.round(result.cpuMs)} ms, exit ${result.exitCode}`,
      );
    }
  }
  const json = median(results.filter((r) => r.mode === "json").map((r) => r.rps));
  const tui = median(results.filter((r) => r.mode === "tui").map((r) => r.rps));
  const ratio = tui / json;
  const jsonCpu = median(results.filter((r) => r.mode === "json").map((r) => r.cpuMs));
  const tuiCpu = median(results.filter((r) => r.mode === "tui").map((r) => r.cpuMs));
  const complete = results.every((r) => r.completed === requests && r.exitCode === 0);
  console.log(
    JSON.stringify({
      requests,
      rounds,
      json_rps: Math.round(json),
      tui_rps: Math.round(tui),
      ratio: +ratio.toFixed(3),
      json_cpu_ms: Math.round(jsonCpu),
      tui_cpu_ms: Math.round(tuiCpu),
      cpu_ratio: +(tuiCpu / jsonCpu).toFixed(3),
      complete,
    }),
  );
  console.log(
    `while requests ran, the process with the dashboard used ${(Math.abs(tuiCpu / jsonCpu - 1) * 100).toFixed(1)}% ${tuiCpu >= jsonCpu ? "more" : "less"} CPU than with --json (medians)`,
  );
  console.log(
    `dashboard keeps ${(ratio * 100).toFixed(1)}% of --json throughput (target ≥ 90%): ${ratio >= 0.9 && complete ? "met" : "NOT met"}`,
  );
  process.exitCode = ratio >= 0.9 && complete ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
