/**
 * Experiment 1, bootstrap time: N service instances, each on its own GPU,
 * started by a real `flotilla run` for every N of the series and every
 * round. Per instance the run reports launch, init and publish; the time
 * until the last instance is ready is measured from the allocation being
 * active.
 */

import { parseCount } from "../options.js";
import { type CommonFlags, parseList, type RawService, runBench, runFlags, serviceUnderTest } from "./common.js";
import type { BootstrapRow } from "./figures.js";
import type { BenchResults } from "./results.js";
import { ofType, runWorkload } from "./run-workload.js";
import { stats } from "./stats.js";
import { table } from "./table.js";

export interface BootstrapRound {
  instances: number;
  round: number;
  session: string;
  exit_code: number | null;
  ready_all_ms?: number;
  per_instance: Array<{
    instance: number;
    node: string;
    gpus: number[];
    launch_ms: number;
    init_ms: number;
    publish_ms: number;
  }>;
  error?: string;
}

const NOOP: RawService = { name: "noop", backend: "noop" };

export async function benchBootstrap(flags: CommonFlags): Promise<number> {
  const series = parseList("--instances", flags.instances ?? "1,2,4,8,16,32,64");
  const rounds = parseCount("--rounds", flags.rounds, 1);
  const { service, allocation } = await serviceUnderTest(flags, NOOP);
  const gpusEach = Math.max(1, Number(service.gpus ?? 1));
  const coresEach = Number(service.cores ?? 1);
  return runBench({
    experiment: "bootstrap",
    flags,
    options: { instances: series, rounds, service, workload: flags.workload, platform: flags.platform ?? "local" },
    total: series.length * rounds,
    fold: (records) => fold(records as unknown as BootstrapRound[]),
    summary: bootstrapSummary,
    async measure(ctx) {
      let done = 0;
      for (let round = 1; round <= rounds; round++) {
        for (const n of series) {
          if (ctx.signal.aborted) return;
          ctx.progress.step(done, `${n} instances, round ${round}/${rounds}`);
          const name = `n${n}-r${round}`;
          const file = ctx.workload(name, {
            version: 1,
            name: `bench-bootstrap-${n}`,
            allocation,
            services: [{ ...service, replicas: n, gpus: gpusEach }],
            // One trivial task ends the run once every instance has been ready.
            tasks: [{ name: "bench-ready", command: ["true"], uses: [service.name] }],
          });
          const session = ctx.sessionDir(name);
          const outcome = await runWorkload({
            workloadFile: file,
            sessionDir: session,
            flags: runFlags(flags, { cores: n * coresEach + 1, gpus: n * gpusEach }),
            signal: ctx.signal,
          });
          if (ctx.signal.aborted) return;
          const active = ofType(outcome.events, "allocation:state").find((e) => e.state === "active");
          const ready = ofType(outcome.events, "service:state").filter((e) => e.state === "ready");
          const record: BootstrapRound = {
            instances: n,
            round,
            session,
            exit_code: outcome.exitCode,
            per_instance: ready.map((e) => ({
              instance: e.instance,
              node: e.node,
              gpus: e.gpus,
              launch_ms: e.launch_ms ?? 0,
              init_ms: e.init_ms ?? 0,
              publish_ms: e.publish_ms ?? 0,
            })),
          };
          if (active !== undefined && ready.length === n) {
            record.ready_all_ms = Math.max(...ready.map((e) => e.ts)) - active.ts;
          } else {
            record.error = `${ready.length} of ${n} instances became ready (exit ${outcome.exitCode}): ${outcome.stderrTail.slice(-3).join(" / ")}`;
            ctx.progress.note(`flotilla bench: ${n} instances, round ${round}: ${record.error}`);
          }
          ctx.record(record as unknown as Record<string, unknown>);
          done++;
        }
      }
    },
  });
}

function fold(records: BootstrapRound[]): Record<string, unknown>[] {
  const byN = new Map<number, BootstrapRound[]>();
  for (const r of records) if (r.error === undefined) byN.set(r.instances, [...(byN.get(r.instances) ?? []), r]);
  return [...byN.entries()]
    .sort(([a], [b]) => a - b)
    .map(([instances, rs]): BootstrapRow => {
      const all = rs.flatMap((r) => r.per_instance);
      return {
        instances,
        rounds: rs.length,
        launch: stats(all.map((i) => i.launch_ms)),
        init: stats(all.map((i) => i.init_ms)),
        publish: stats(all.map((i) => i.publish_ms)),
        ready_all: stats(rs.map((r) => r.ready_all_ms ?? 0)),
      };
    }) as unknown as Record<string, unknown>[];
}

export function bootstrapSummary(results: BenchResults): string {
  const rows = results.rows as unknown as BootstrapRow[];
  const ms = (s: { mean: number; sd: number; p50: number; p95: number }) =>
    `${s.mean.toFixed(1)} ±${s.sd.toFixed(1)} (${s.p50.toFixed(1)}/${s.p95.toFixed(1)})`;
  return table(
    ["instances", "rounds", "launch ms", "init ms", "publish ms", "last ready ms"],
    rows.map((r) => [String(r.instances), String(r.rounds), ms(r.launch), ms(r.init), ms(r.publish), ms(r.ready_all)]),
    "mean ±sd (p50/p95) per instance; last ready: from the allocation being active",
  );
}
