/**
 * The measuring loop of experiments 2 and 3: per mode (local, remote), per
 * round, every configuration once with Flotilla and, where there is one,
 * once with the baseline right after it, so a change of load on the machine
 * hits both alike.
 */
import type { BaselineMeasurement } from "./baseline/baseline.js";
import type { BenchSpec, RawService } from "./common.js";
import {
  baselineRound,
  type Cell,
  cellName,
  cellsOf,
  type GridFlags,
  type GridPlan,
  type GridRound,
  type Mode,
  measureFlotilla,
} from "./grid.js";
import { foldGrid, gridSummary } from "./grid-fold.js";
import { type RemotePool, startRemotePool } from "./remote.js";

export interface GridBaseline {
  prepare(mode: Mode, signal: AbortSignal): Promise<void>;
  measure(cell: Cell, signal: AbortSignal): Promise<BaselineMeasurement | undefined>;
  stop(): Promise<void>;
}

export interface GridInput {
  plan: GridPlan;
  flags: GridFlags;
  service: RawService;
  allocation: Record<string, unknown>;
  request: object;
  note?: string | undefined;
  baseline?: GridBaseline | undefined;
  tokens?: boolean;
}

export function runGrid(input: GridInput): Pick<BenchSpec, "total" | "fold" | "summary" | "measure"> {
  const { plan, baseline } = input;
  const perMode = cellsOf(plan, "local").length * plan.rounds * (baseline === undefined ? 1 : 2);
  return {
    total: perMode * plan.modes.length,
    fold: (records) => foldGrid(records as unknown as GridRound[]) as unknown as Record<string, unknown>[],
    summary: gridSummary,
    async measure(ctx) {
      if (input.note !== undefined) {
        ctx.results.notes.push(input.note);
        ctx.progress.note(`flotilla bench: ${input.note}`);
      }
      let done = 0;
      const record = (round: GridRound) => {
        if (round.error !== undefined) ctx.progress.note(`flotilla bench: ${cellName(round)}: ${round.error}`);
        ctx.record(round as unknown as Record<string, unknown>);
        done++;
      };
      try {
        for (const mode of plan.modes) {
          if (ctx.signal.aborted) return;
          let remote: RemotePool | undefined;
          try {
            if (mode === "remote") {
              ctx.progress.step(
                done,
                `starting ${Math.max(...plan.instances)} remote hosts behind ${plan.delayMs} ms proxies`,
              );
              remote = await startRemotePool({
                count: Math.max(...plan.instances),
                service: input.service,
                delayMs: plan.delayMs,
                jitterMs: plan.jitterMs,
                dir: ctx.dir,
                signal: ctx.signal,
              });
            }
            await baseline?.prepare(mode, ctx.signal);
            for (let round = 1; round <= plan.rounds; round++) {
              for (const cell of cellsOf(plan, mode)) {
                if (ctx.signal.aborted) return;
                const label = `${mode} ${cell.scaling} ${cell.clients} clients × ${cell.instances} instances, round ${round}/${plan.rounds}`;
                ctx.progress.step(done, `Flotilla ${label}`);
                const measured = await measureFlotilla({ ...input, ctx, cell, round, ...(remote ? { remote } : {}) });
                if (measured === undefined) return;
                record(measured);
                if (baseline === undefined) continue;
                ctx.progress.step(done, `baseline ${label}`);
                const base = await baseline.measure(cell, ctx.signal);
                if (base === undefined) return;
                record(baselineRound(cell, round, base));
              }
            }
          } finally {
            await remote?.stop();
          }
        }
      } finally {
        await baseline?.stop();
      }
    },
  };
}
