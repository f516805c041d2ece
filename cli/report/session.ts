/**
 * Figures of one session directory (a `flotilla run`), from its
 * events.jsonl and per-request profiles: bootstrap per instance,
 * response-time components over time, percentiles per service and per
 * instance, requests per instance, and a task timeline per core/GPU slot.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type EngineEvent, readEventsFile } from "../../engine/index.js";
import { type Figure, type FigureRow, stack } from "../bench/figures.js";
import { mean, percentile, round3 } from "../bench/stats.js";
import type { PageTable } from "./html.js";
import { instancesFigure, scaleTable } from "./scale.js";

interface ProfileLine {
  service: string;
  instance?: number;
  status: string;
  ts: number;
  communication_ms?: number;
  service_ms?: number;
  inference_ms?: number;
  total_ms?: number;
}

function of<T extends EngineEvent["type"]>(events: EngineEvent[], type: T) {
  return events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
}

function readProfiles(dir: string): ProfileLine[] {
  const profileDir = join(dir, "profile");
  if (!existsSync(profileDir)) return [];
  return readdirSync(profileDir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) =>
      readFileSync(join(profileDir, f), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as ProfileLine];
          } catch {
            return [];
          }
        }),
    )
    .filter((p) => p.status === "ok");
}

function bootstrap(events: EngineEvent[]): Figure | undefined {
  const ready = of(events, "service:state").filter((e) => e.state === "ready" && e.remote !== true);
  if (ready.length === 0) return undefined;
  const zero = (ms: number | undefined) => ({ mean: ms ?? 0, sd: 0 });
  return {
    name: "session-bootstrap",
    title: "Bootstrap per service instance",
    kind: "stacked",
    x: { title: "service instance", scale: "ordinal" },
    y: { title: "time (ms)" },
    rows: ready.flatMap((e) =>
      stack(
        `${e.service}.${e.instance}`,
        "session",
        [
          ["launch", zero(e.launch_ms)],
          ["init", zero(e.init_ms)],
          ["publish", zero(e.publish_ms)],
        ],
        `${e.service}.${e.instance}`,
      ),
    ),
  };
}

/** A round bucket width giving about 40 points over `spanMs`. */
function bucketMs(spanMs: number): number {
  const steps = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000];
  return steps.find((step) => spanMs / step <= 40) ?? 3_600_000;
}

function overTime(profiles: ProfileLine[], t0: number): Figure | undefined {
  if (profiles.length === 0) return undefined;
  const first = Math.min(...profiles.map((p) => p.ts));
  const width = bucketMs(Math.max(...profiles.map((p) => p.ts)) - first);
  const buckets = new Map<string, ProfileLine[]>();
  for (const p of profiles) {
    const at = Math.floor((p.ts - t0) / width) * width;
    const key = `${p.service}|${at}`;
    buckets.set(key, [...(buckets.get(key) ?? []), p]);
  }
  const rows: FigureRow[] = [];
  for (const [key, ps] of buckets) {
    const [service, at] = key.split("|") as [string, string];
    const seconds = Number(at) / 1_000;
    for (const part of ["communication", "service", "inference"] as const) {
      const value = round3(mean(ps.map((p) => p[`${part}_ms`] ?? 0)));
      rows.push({
        x: seconds,
        group: service,
        series: part,
        value,
        sd: 0,
        label: `${service} at ${seconds} s; ${part} mean ${value.toFixed(3)} over ${ps.length} requests`,
      });
    }
  }
  rows.sort((a, b) => Number(a.x) - Number(b.x));
  return {
    name: "session-response-over-time",
    title: `Response-time components over time (mean per ${width / 1_000} s)`,
    kind: "line",
    x: { title: "seconds since the session started", scale: "linear" },
    y: { title: "mean time per request (ms)" },
    rows,
  };
}

function percentiles(profiles: ProfileLine[], by: "service" | "instance"): Figure | undefined {
  if (profiles.length === 0) return undefined;
  const groups = new Map<string, number[]>();
  for (const p of profiles) {
    const key = by === "service" ? p.service : `${p.service}.${p.instance ?? "?"}`;
    groups.set(key, [...(groups.get(key) ?? []), p.total_ms ?? 0]);
  }
  const rows = [...groups.entries()].flatMap(([key, values]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return (["p50", "p95", "p99"] as const).map((q): FigureRow => {
      const value = round3(percentile(sorted, Number(q.slice(1)) / 100));
      return { x: key, group: "session", series: q, value, sd: 0, label: `${key}; total ${q} ${value.toFixed(3)}` };
    });
  });
  return {
    name: `session-percentiles-${by}`,
    title: `Response time percentiles per ${by}`,
    kind: "grouped",
    x: { title: by === "service" ? "service" : "service instance", scale: "ordinal" },
    y: { title: "total time per request (ms)" },
    rows,
  };
}

function perInstance(profiles: ProfileLine[]): Figure | undefined {
  if (profiles.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const p of profiles) {
    const key = `${p.service}.${p.instance ?? "?"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return {
    name: "session-requests-per-instance",
    title: "Requests answered per instance (balance)",
    kind: "grouped",
    x: { title: "service instance", scale: "ordinal" },
    y: { title: "requests" },
    rows: [...counts.entries()].sort().map(([key, n]) => ({
      x: key,
      group: "session",
      series: "requests",
      value: n,
      sd: 0,
      label: `${key}; ${n} requests`,
    })),
  };
}

type Held = { node?: string; cores?: number[]; gpus?: number[] };

const slots = (h: Held) =>
  (h.gpus ?? []).length > 0
    ? (h.gpus ?? []).map((g) => `${h.node ?? "?"} gpu ${g}`)
    : (h.cores ?? []).map((c) => `${h.node ?? "?"} core ${c}`);

function timeline(events: EngineEvent[], t0: number, end: number): Figure | undefined {
  const rows: FigureRow[] = [];
  const bar = (slot: string, what: string, id: string, from: number, to: number) =>
    rows.push({
      x: slot,
      group: "session",
      series: what,
      value: round3((to - from) / 1_000),
      sd: 0,
      start: round3((from - t0) / 1_000),
      end: round3((to - t0) / 1_000),
      label: `${id} on ${slot}: ${round3((from - t0) / 1_000)} s to ${round3((to - t0) / 1_000)} s`,
    });
  const running = new Map<string, { ts: number; held: Held }>();
  for (const e of of(events, "task:state")) {
    if (e.state === "running") running.set(e.id, { ts: e.ts, held: e });
    else if (["done", "failed", "canceled"].includes(e.state)) {
      const start = running.get(e.id);
      if (start === undefined) continue;
      running.delete(e.id);
      for (const slot of slots(start.held)) bar(slot, e.task, e.id, start.ts, e.ts);
    }
  }
  const services = new Map<string, { ts: number; held: Held; service: string }>();
  for (const e of of(events, "service:state")) {
    const id = `${e.service}.${e.instance}`;
    if (e.state === "launching") services.set(id, { ts: e.ts, held: e, service: e.service });
    else if (e.state === "stopped" || e.state === "failed") {
      const start = services.get(id);
      if (start === undefined) continue;
      services.delete(id);
      for (const slot of slots(start.held)) bar(slot, start.service, id, start.ts, e.ts);
    }
  }
  for (const [id, s] of services) for (const slot of slots(s.held)) bar(slot, s.service, id, s.ts, end);
  if (rows.length === 0) return undefined;
  rows.sort((a, b) => String(a.x).localeCompare(String(b.x), undefined, { numeric: true }));
  return {
    name: "session-timeline",
    title: "Timeline: tasks and service instances per core/GPU slot",
    kind: "gantt",
    x: { title: "slot", scale: "ordinal" },
    y: { title: "seconds since the session started" },
    rows,
  };
}

export function sessionFigures(dir: string): { title: string; figures: Figure[]; tables: PageTable[] } {
  const events = readEventsFile(join(dir, "events.jsonl"));
  const start = of(events, "session:start")[0];
  const t0 = start?.ts ?? events[0]?.ts ?? 0;
  const end = events.at(-1)?.ts ?? t0;
  const profiles = readProfiles(dir);
  const figures = [
    bootstrap(events),
    overTime(profiles, t0),
    percentiles(profiles, "service"),
    percentiles(profiles, "instance"),
    perInstance(profiles),
    timeline(events, t0, end),
    instancesFigure(events, t0, end),
  ].filter((f): f is Figure => f !== undefined);
  const tables = [scaleTable(events, t0)].filter((t): t is PageTable => t !== undefined);
  return { title: `Session ${start?.session_id ?? dir} (${start?.workload ?? "workload"})`, figures, tables };
}
