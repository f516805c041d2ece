/**
 * Autoscaling against fixed instance counts: the same bursty request load
 * (bursts of requests from inference tasks, idle gaps between them) on a
 * NOOP service with (a) `replicas: min`, (b) `replicas: max`, (c)
 * `autoscale: { min, max }`, each through a real `flotilla run`. Per arm:
 * the requests' p99 and the GPU-seconds the instances held (launch to stop,
 * times GPUs each); (a) and (c) also as ratios against (b) in the same round.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FlotillaError } from "../../engine/index.js";
import { parseCount } from "../options.js";
import { ARMS, type Arm, type AutoscaleRound, type AutoscaleRow, armName } from "./autoscale-types.js";
import { type CommonFlags, runBench, runFlags } from "./common.js";
import { gpuSeconds, instanceSeconds, instanceSpans, readySteps } from "./instance-spans.js";
import type { BenchResults } from "./results.js";
import { ofType, runWorkload } from "./run-workload.js";
import { round3, type Stats, stats } from "./stats.js";
import { table } from "./table.js";

export interface AutoscaleFlags extends CommonFlags {
  min: string;
  max: string;
  bursts: string;
  requests: string;
  concurrency: string;
  gap: string;
  delay: string;
  maxInflight: string;
  target: string;
  upAfter: string;
  downAfter: string;
}

/** The arm the others are measured against. */
const BASELINE: Arm = "max";
const SERVICE = "model";

interface Plan {
  min: number;
  max: number;
  bursts: number;
  requests: number;
  concurrency: number;
  gapSeconds: number;
  delayMs: number;
  maxInflight: number;
  target: number;
  upAfter: string;
  downAfter: string;
  rounds: number;
}

function planOf(flags: AutoscaleFlags): Plan {
  const plan: Plan = {
    min: parseCount("--min", flags.min, 1),
    max: parseCount("--max", flags.max, 1),
    bursts: parseCount("--bursts", flags.bursts, 1),
    requests: parseCount("--requests", flags.requests, 1),
    concurrency: parseCount("--concurrency", flags.concurrency, 1),
    gapSeconds: parseCount("--gap", flags.gap, 0),
    delayMs: parseCount("--delay", flags.delay, 0),
    maxInflight: parseCount("--max-inflight", flags.maxInflight, 1),
    target: parseCount("--target", flags.target, 1),
    upAfter: flags.upAfter,
    downAfter: flags.downAfter,
    rounds: parseCount("--rounds", flags.rounds, 1),
  };
  if (plan.max <= plan.min) throw new FlotillaError("USAGE", `--max (${plan.max}) must be above --min (${plan.min})`);
  return plan;
}

/** Bursts of inference requests chained with `after:`, a `sleep` task as each gap. */
function workload(plan: Plan, arm: Arm): object {
  const base = {
    name: SERVICE,
    backend: "noop",
    cores: 1,
    gpus: 1,
    max_inflight: plan.maxInflight,
    delay: { mean_ms: plan.delayMs },
  };
  const service =
    arm === "autoscale"
      ? {
          ...base,
          autoscale: {
            min: plan.min,
            max: plan.max,
            target_outstanding: plan.target,
            up_after: plan.upAfter,
            down_after: plan.downAfter,
          },
        }
      : { ...base, replicas: arm === "min" ? plan.min : plan.max };
  const tasks: object[] = [];
  for (let i = 1; i <= plan.bursts; i++) {
    tasks.push({
      name: `burst${i}`,
      service: SERVICE,
      requests: "requests.jsonl",
      concurrency: plan.concurrency,
      request_timeout: "10m",
      max_attempts: 1,
      ...(i > 1 ? { after: [`gap${i - 1}`] } : {}),
    });
    if (i < plan.bursts)
      tasks.push({ name: `gap${i}`, command: ["sleep", String(plan.gapSeconds)], after: [`burst${i}`] });
  }
  return { version: 1, name: `bench-autoscale-${arm}`, services: [service], tasks };
}

export async function benchAutoscale(flags: AutoscaleFlags): Promise<number> {
  const plan = planOf(flags);
  return runBench({
    experiment: "autoscale",
    flags,
    options: { ...plan, platform: flags.platform ?? "local" },
    total: ARMS.length * plan.rounds,
    fold: (records) => foldAutoscale(records as unknown as AutoscaleRound[]) as unknown as Record<string, unknown>[],
    summary: autoscaleSummary,
    async measure(ctx) {
      writeFileSync(
        join(ctx.dir, "workloads", "requests.jsonl"),
        `${JSON.stringify({ prompt: "hello" })}\n`.repeat(plan.requests),
      );
      let done = 0;
      for (let round = 1; round <= plan.rounds; round++) {
        // A different arm goes first each round, so a change of load on the machine spreads over all three.
        const order = ARMS.map((_, i) => ARMS[(i + round - 1) % ARMS.length] as Arm);
        const measured: AutoscaleRound[] = [];
        for (const arm of order) {
          if (ctx.signal.aborted) return;
          ctx.progress.step(done, `${arm}, round ${round}/${plan.rounds}`);
          const name = `${arm}-r${round}`;
          const file = ctx.workload(name, workload(plan, arm));
          const session = ctx.sessionDir(name);
          const outcome = await runWorkload({
            workloadFile: file,
            sessionDir: session,
            flags: runFlags(flags, { cores: plan.max + 2, gpus: plan.max }),
            signal: ctx.signal,
          });
          if (ctx.signal.aborted) return;
          const record = measure(arm, round, session, outcome.events, outcome.exitCode);
          if (record.error !== undefined) {
            record.error += `: ${outcome.stderrTail.slice(-3).join(" / ")}`;
            ctx.progress.note(`flotilla bench: ${name}: ${record.error}`);
          }
          measured.push(record);
          done++;
        }
        // Ratios against the baseline arm of this same round, then record the round's three arms.
        const base = measured.find((r) => r.arm === BASELINE && r.error === undefined);
        for (const record of measured) {
          if (base !== undefined && record.error === undefined && base.p99_ms > 0 && base.gpu_seconds > 0) {
            record.p99_ratio = round3(record.p99_ms / base.p99_ms);
            record.gpu_ratio = round3(record.gpu_seconds / base.gpu_seconds);
          }
          ctx.record(record as unknown as Record<string, unknown>);
        }
      }
    },
  });
}

function measure(
  arm: Arm,
  round: number,
  session: string,
  events: Parameters<typeof instanceSpans>[0],
  exitCode: number | null,
): AutoscaleRound {
  const end = ofType(events, "session:end")[0]?.ts ?? events.at(-1)?.ts ?? 0;
  const spans = instanceSpans(events, end);
  const bursts = ofType(events, "task:state").filter((e) => e.task.startsWith("burst"));
  const started = bursts.filter((e) => e.state === "running").map((e) => e.ts);
  const ended = bursts.filter((e) => ["done", "failed", "canceled"].includes(e.state)).map((e) => e.ts);
  const service = ofType(events, "metrics")
    .findLast((e) => e.final)
    ?.services.find((s) => s.service === SERVICE);
  const scales = ofType(events, "service:scale").filter((e) => e.service === SERVICE);
  const t0 = started.length > 0 ? Math.min(...started) : (events[0]?.ts ?? 0);
  const steps = readySteps(spans, SERVICE);
  const record: AutoscaleRound = {
    arm,
    round,
    session,
    exit_code: exitCode,
    requests: service ? service.completed + service.errors : 0,
    errors: service?.errors ?? 0,
    p50_ms: round3(service?.latency.total.p50 ?? 0),
    p99_ms: round3(service?.latency.total.p99 ?? 0),
    gpu_seconds: round3(gpuSeconds(spans)),
    instance_seconds: round3(instanceSeconds(spans)),
    seconds: started.length > 0 && ended.length > 0 ? round3((Math.max(...ended) - t0) / 1_000) : 0,
    peak_instances: Math.max(0, ...steps.map(([, n]) => n)),
    scale_ups: scales.filter((e) => e.to > e.from).length,
    scale_downs: scales.filter((e) => e.to < e.from).length,
    ready_steps: steps.map(([ts, n]) => [round3((ts - t0) / 1_000), n]),
  };
  if (exitCode !== 0 || service === undefined || service.completed === 0)
    record.error = `no measurement (exit ${exitCode}, ${service?.completed ?? 0} requests answered)`;
  else if (service.errors > 0) record.error = `${service.errors} requests failed`;
  return record;
}

export function foldAutoscale(records: AutoscaleRound[]): AutoscaleRow[] {
  return ARMS.flatMap((arm): AutoscaleRow[] => {
    const ok = records.filter((r) => r.arm === arm && r.error === undefined);
    if (ok.length === 0) return [];
    const ratios = (pick: (r: AutoscaleRound) => number | undefined) => {
      const values = ok.map(pick).filter((v): v is number => v !== undefined);
      return values.length > 0 ? stats(values) : undefined;
    };
    const row: AutoscaleRow = {
      arm,
      rounds: ok.length,
      p50_ms: stats(ok.map((r) => r.p50_ms)),
      p99_ms: stats(ok.map((r) => r.p99_ms)),
      gpu_seconds: stats(ok.map((r) => r.gpu_seconds)),
      seconds: stats(ok.map((r) => r.seconds)),
      peak_instances: Math.max(...ok.map((r) => r.peak_instances)),
    };
    const p99 = ratios((r) => r.p99_ratio);
    const gpu = ratios((r) => r.gpu_ratio);
    if (p99) row.p99_ratio = p99;
    if (gpu) row.gpu_ratio = gpu;
    return [row];
  });
}

export function autoscaleSummary(results: BenchResults): string {
  const rows = results.rows as unknown as AutoscaleRow[];
  const ratio = (s: Stats | undefined) => (s === undefined ? "–" : `${s.mean.toFixed(2)}x`);
  const o = results.options;
  return table(
    ["arm", "rounds", "p50 ms", "p99 ms", "p99 / fixed max", "GPU-s", "GPU-s / fixed max", "peak", "seconds"],
    rows.map((r) => [
      armName(r.arm, o),
      String(r.rounds),
      r.p50_ms.mean.toFixed(1),
      r.p99_ms.mean.toFixed(1),
      ratio(r.p99_ratio),
      r.gpu_seconds.mean.toFixed(1),
      ratio(r.gpu_ratio),
      String(r.peak_instances),
      r.seconds.mean.toFixed(1),
    ]),
    `${o.bursts} bursts of ${o.requests} requests (${o.concurrency} in flight) with ${o.gapSeconds} s gaps; NOOP ${o.delayMs} ms, ${o.maxInflight} in flight per instance, 1 GPU each; ratios per round against fixed ${o.max}, mean over rounds`,
  );
}
