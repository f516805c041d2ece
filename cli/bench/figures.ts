/**
 * What each experiment's figures show, as plain rows: the bench writes them
 * as CSV and `flotilla report` draws them, so a figure and its CSV always
 * hold the same numbers. Nothing here loads a charting library.
 */
import { type AutoscaleRound, type AutoscaleRow, armName } from "./autoscale-types.js";
import type { BenchResults } from "./results-types.js";
import type { Stats } from "./stats.js";

export interface Figure {
  name: string;
  title: string;
  /**
   * stacked: components stacked per x (with error bars); line: one line per series over x;
   * grouped: bars side by side per x; gantt: one bar from `start` to `end` per row on y = x;
   * steps: one step line per series over x, and rows with `marker: 1` drawn as marks of their own.
   */
  kind: "stacked" | "line" | "grouped" | "gantt" | "steps";
  /** log: numeric x on a log scale (instance counts); linear: numeric; ordinal: labelled configurations. */
  x: { title: string; scale: "log" | "linear" | "ordinal" };
  y: { title: string };
  rows: FigureRow[];
}

/** `group` splits a figure into side-by-side panels (Flotilla | baseline). */
export interface FigureRow {
  [field: string]: string | number | undefined;
  x: string | number;
  group: string;
  /** stacked: the component; line: the series. */
  series: string;
  value: number;
  sd: number;
  /** stacked: where the segment starts and ends on y; gantt: on x. */
  start?: number;
  end?: number;
  /** What the mark says about itself (its SVG aria-label): the exact numbers drawn. */
  label: string;
}

export type ComponentStats = Pick<Stats, "mean" | "sd" | "p50" | "p99">;

export interface BootstrapRow {
  instances: number;
  rounds: number;
  launch: Stats;
  init: Stats;
  publish: Stats;
  ready_all: Stats;
}

export interface ResponseRow {
  runtime: "flotilla" | "baseline";
  mode: "local" | "remote";
  scaling: "strong" | "weak";
  clients: number;
  instances: number;
  requests: number;
  rounds: number;
  errors: number;
  communication: ComponentStats;
  service: ComponentStats;
  inference: ComponentStats;
  total: ComponentStats;
  throughput: { mean: number; sd: number };
  tokens_per_s?: { mean: number; sd: number };
  /** Flotilla's throughput over the baseline's in the same configuration. */
  ratio?: number;
}

const f3 = (n: number) => n.toFixed(3);

/** Stacks `parts` in order: each segment's start and end, and an error bar of its own sd at its top. */
export function stack(
  x: string | number,
  group: string,
  parts: Array<[string, { mean: number; sd: number }]>,
  describe: string,
): FigureRow[] {
  let at = 0;
  return parts.map(([series, s]) => {
    const row: FigureRow = {
      x,
      group,
      series,
      value: s.mean,
      sd: s.sd,
      start: at,
      end: at + s.mean,
      label: `${describe}; ${series} mean ${f3(s.mean)} sd ${f3(s.sd)}`,
    };
    at += s.mean;
    return row;
  });
}

function bootstrapFigures(rows: BootstrapRow[]): Figure[] {
  const sorted = [...rows].sort((a, b) => a.instances - b.instances);
  return [
    {
      name: "bootstrap-components",
      title: "Bootstrap per instance: launch, init, publish",
      kind: "stacked",
      x: { title: "service instances", scale: "log" },
      y: { title: "time per instance (ms)" },
      rows: sorted.flatMap((r) =>
        stack(
          r.instances,
          "flotilla",
          [
            ["launch", r.launch],
            ["init", r.init],
            ["publish", r.publish],
          ],
          `instances ${r.instances}`,
        ),
      ),
    },
    {
      name: "bootstrap-ready-all",
      title: "Time until the last instance is ready",
      kind: "line",
      x: { title: "service instances", scale: "log" },
      y: { title: "time (ms)" },
      rows: sorted.map((r) => ({
        x: r.instances,
        group: "flotilla",
        series: "last instance ready",
        value: r.ready_all.mean,
        sd: r.ready_all.sd,
        label: `instances ${r.instances}; last instance ready mean ${f3(r.ready_all.mean)} sd ${f3(r.ready_all.sd)}`,
      })),
    },
  ];
}

function responseFigures(rows: ResponseRow[]): Figure[] {
  const figures: Figure[] = [];
  const order = (a: ResponseRow, b: ResponseRow) =>
    a.runtime.localeCompare(b.runtime) * -1 || a.clients - b.clients || a.instances - b.instances;
  for (const scaling of ["strong", "weak"] as const) {
    for (const mode of ["local", "remote"] as const) {
      const cells = rows.filter((r) => r.scaling === scaling && r.mode === mode).sort(order);
      if (cells.length === 0) continue;
      const suffix = `${scaling}-${mode}`;
      const what = `${scaling} scaling, ${mode} instances`;
      figures.push({
        name: `response-${suffix}`,
        title: `Response time per request: ${what}`,
        kind: "stacked",
        x: { title: "clients × instances", scale: "ordinal" },
        y: { title: "mean time per request (ms)" },
        rows: cells.flatMap((r) =>
          stack(
            `${r.clients}×${r.instances}`,
            r.runtime,
            [
              ["communication", r.communication],
              ["service", r.service],
              ["inference", r.inference],
            ],
            `${r.runtime} ${r.clients} clients × ${r.instances} instances`,
          ),
        ),
      });
      const line = (name: string, title: string, y: string, pick: (r: ResponseRow) => { mean: number; sd: number }) =>
        figures.push({
          name: `${name}-${suffix}`,
          title: `${title}: ${what}`,
          kind: "line",
          x: { title: "service instances", scale: "log" },
          y: { title: y },
          rows: cells.map((r) => ({
            x: r.instances,
            group: r.runtime,
            series: `${r.clients} clients`,
            value: pick(r).mean,
            sd: pick(r).sd,
            label: `${r.runtime} ${r.clients} clients × ${r.instances} instances; ${name} mean ${f3(pick(r).mean)} sd ${f3(pick(r).sd)}`,
          })),
        });
      line("throughput", "Throughput", "requests per second", (r) => r.throughput);
      if (cells.some((r) => r.tokens_per_s !== undefined)) {
        const tokens = cells.filter((r) => r.tokens_per_s !== undefined);
        if (tokens.length === cells.length)
          line("tokens", "Generated tokens per second", "tokens per second", (r) => r.tokens_per_s!);
      }
    }
  }
  return figures;
}

/** Per arm: p99 and GPU-seconds as ratios to fixed max, the absolute numbers, and round 1's instances over time. */
function autoscaleFigures(results: BenchResults): Figure[] {
  const rows = results.rows as unknown as AutoscaleRow[];
  const name = (row: { arm: AutoscaleRow["arm"] }) => armName(row.arm, results.options);
  const bar = (x: string, series: string, s: { mean: number; sd: number }, what: string): FigureRow => ({
    x,
    group: "flotilla",
    series,
    value: s.mean,
    sd: s.sd,
    label: `${x}; ${what} mean ${f3(s.mean)} sd ${f3(s.sd)}`,
  });
  const ratios = rows.flatMap((r) => [
    ...(r.p99_ratio ? [bar(name(r), "p99 latency", r.p99_ratio, "p99 ratio")] : []),
    ...(r.gpu_ratio ? [bar(name(r), "GPU-seconds", r.gpu_ratio, "GPU-seconds ratio")] : []),
  ]);
  const rounds = (results.rounds as unknown as AutoscaleRound[]).filter((r) => r.round === 1 && r.error === undefined);
  const steps = rounds.flatMap((r) =>
    r.ready_steps.map(([x, n]): FigureRow => {
      const arm = armName(r.arm, results.options);
      return { x, group: "flotilla", series: arm, value: n, sd: 0, label: `${arm} at ${x} s: ${n} ready` };
    }),
  );
  const figures: Figure[] = [
    {
      name: "autoscale-ratios",
      title: "p99 latency and GPU-seconds over fixed max (same round)",
      kind: "grouped",
      x: { title: "arm", scale: "ordinal" },
      y: { title: "ratio to fixed max" },
      rows: ratios,
    },
    {
      name: "autoscale-p99",
      title: "Request time per arm",
      kind: "grouped",
      x: { title: "arm", scale: "ordinal" },
      y: { title: "total time per request (ms)" },
      rows: rows.flatMap((r) => [bar(name(r), "p50", r.p50_ms, "p50"), bar(name(r), "p99", r.p99_ms, "p99")]),
    },
    {
      name: "autoscale-gpu-seconds",
      title: "GPU-seconds held by the instances",
      kind: "grouped",
      x: { title: "arm", scale: "ordinal" },
      y: { title: "GPU-seconds" },
      rows: rows.map((r) => bar(name(r), "GPU-seconds", r.gpu_seconds, "GPU-seconds")),
    },
    {
      name: "autoscale-instances",
      title: "Ready instances over time (round 1)",
      kind: "steps",
      x: { title: "seconds since the first burst started", scale: "linear" },
      y: { title: "ready instances" },
      rows: steps,
    },
  ];
  return figures.filter((figure) => figure.rows.length > 0);
}

export function figuresOf(results: BenchResults): Figure[] {
  if (results.experiment === "bootstrap") return bootstrapFigures(results.rows as unknown as BootstrapRow[]);
  if (results.experiment === "autoscale") return autoscaleFigures(results);
  return responseFigures(results.rows as unknown as ResponseRow[]);
}
