/** Rounds of the grid folded per configuration, and the summary table. */
import type { ResponseRow } from "./figures.js";
import type { GridRound } from "./grid.js";
import type { BenchResults } from "./results.js";
import { mean, round3, sd } from "./stats.js";
import { table } from "./table.js";

const key = (r: GridRound) => `${r.runtime}|${r.mode}|${r.scaling}|${r.clients}|${r.instances}`;

/** Component stats over rounds: mean and sd of the rounds' means, median of their p50 and p99. */
function component(rs: GridRound[], pick: (r: GridRound) => { mean: number; p50: number; p99: number }) {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
  return {
    mean: round3(mean(rs.map((r) => pick(r).mean))),
    sd: round3(sd(rs.map((r) => pick(r).mean))),
    p50: round3(median(rs.map((r) => pick(r).p50))),
    p99: round3(median(rs.map((r) => pick(r).p99))),
  };
}

export function foldGrid(records: GridRound[]): ResponseRow[] {
  const groups = new Map<string, GridRound[]>();
  for (const r of records) if (r.error === undefined) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const rows = [...groups.values()].map((rs): ResponseRow => {
    const first = rs[0]!;
    const row: ResponseRow = {
      runtime: first.runtime,
      mode: first.mode,
      scaling: first.scaling,
      clients: first.clients,
      instances: first.instances,
      requests: first.requests,
      rounds: rs.length,
      errors: rs.reduce((sum, r) => sum + r.errors, 0),
      communication: component(rs, (r) => r.communication),
      service: component(rs, (r) => r.service),
      inference: component(rs, (r) => r.inference),
      total: component(rs, (r) => r.total),
      throughput: { mean: round3(mean(rs.map((r) => r.throughput))), sd: round3(sd(rs.map((r) => r.throughput))) },
    };
    const tokens = rs.map((r) => r.tokens_per_s).filter((t): t is number => t !== undefined);
    if (tokens.length === rs.length) row.tokens_per_s = { mean: round3(mean(tokens)), sd: round3(sd(tokens)) };
    return row;
  });
  for (const row of rows) {
    if (row.runtime !== "flotilla") continue;
    const base = rows.find(
      (b) =>
        b.runtime === "baseline" &&
        b.mode === row.mode &&
        b.scaling === row.scaling &&
        b.clients === row.clients &&
        b.instances === row.instances,
    );
    if (base !== undefined && base.throughput.mean > 0) row.ratio = round3(row.throughput.mean / base.throughput.mean);
  }
  return rows;
}

export function gridSummary(results: BenchResults): string {
  const rows = results.rows as unknown as ResponseRow[];
  const ms = (s: { mean: number; p50: number; p99: number }) =>
    `${s.mean.toFixed(2)}/${s.p50.toFixed(2)}/${s.p99.toFixed(2)}`;
  const tokens = rows.some((r) => r.tokens_per_s !== undefined);
  const head = [
    "runtime",
    "mode",
    "scaling",
    "clients×inst",
    "req",
    "req/s",
    "ratio",
    "comm ms",
    "service ms",
    "inference ms",
  ];
  if (tokens) head.push("tok/s");
  const body = rows.map((r) => {
    const cells = [
      r.runtime,
      r.mode,
      r.scaling,
      `${r.clients}×${r.instances}`,
      String(r.requests),
      `${r.throughput.mean.toFixed(0)} ±${r.throughput.sd.toFixed(0)}`,
      r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x`,
      ms(r.communication),
      ms(r.service),
      ms(r.inference),
    ];
    if (tokens) cells.push(r.tokens_per_s === undefined ? "" : r.tokens_per_s.mean.toFixed(1));
    return cells;
  });
  const notes = [
    "times: mean/p50/p99 ms per request; req/s: mean ±sd over rounds; ratio: Flotilla / baseline throughput",
    ...results.notes,
  ];
  return table(head, body, notes.join("\n"));
}
