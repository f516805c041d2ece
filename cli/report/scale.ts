/**
 * A session's scaling: ready instances over time per service, the count each
 * scale decision aimed at, the decisions marked; and the decisions as a
 * table. Only for sessions in which a service scaled.
 */
import type { EngineEvent } from "../../engine/index.js";
import type { Figure, FigureRow } from "../bench/figures.js";
import { instanceSpans, readySteps } from "../bench/instance-spans.js";
import { ofType } from "../bench/run-workload.js";
import { round3 } from "../bench/stats.js";
import type { PageTable } from "./html.js";

const seconds = (ts: number, t0: number) => round3((ts - t0) / 1_000);

export function instancesFigure(events: readonly EngineEvent[], t0: number, end: number): Figure | undefined {
  const scales = ofType(events, "service:scale");
  if (scales.length === 0) return undefined;
  const spans = instanceSpans(events, end);
  const services = [...new Set(scales.map((e) => e.service))];
  const rows: FigureRow[] = [];
  const at = (service: string, series: string, ts: number, value: number, label: string, marker = 0) =>
    rows.push({ x: seconds(ts, t0), group: service, series, value, sd: 0, marker, label });
  for (const service of services) {
    const steps = readySteps(spans, service);
    at(service, "ready", t0, 0, `${service} at 0 s: 0 ready`);
    for (const [ts, ready] of steps)
      at(service, "ready", ts, ready, `${service} at ${seconds(ts, t0)} s: ${ready} ready`);
    const decisions = scales.filter((e) => e.service === service);
    const first = decisions[0];
    const launched = spans.find((span) => span.service === service)?.from ?? first?.ts ?? t0;
    if (first)
      at(service, "target", launched, first.from, `${service} at ${seconds(launched, t0)} s: target ${first.from}`);
    for (const e of decisions) {
      at(service, "target", e.ts, e.to, `${service} at ${seconds(e.ts, t0)} s: target ${e.to}`);
      const held = e.held_back ? `; held back: ${e.held_back}` : "";
      at(
        service,
        e.to >= e.from ? "scale up" : "scale down",
        e.ts,
        e.to,
        `${service} at ${seconds(e.ts, t0)} s: ${e.from} → ${e.to} (${e.reason}; ${round3(e.load.per_instance)} outstanding per instance, target ${e.load.target})${held}`,
        1,
      );
    }
    const last = decisions.at(-1);
    if (last) at(service, "target", end, last.to, `${service} at ${seconds(end, t0)} s: target ${last.to}`);
  }
  rows.sort((a, b) => Number(a.x) - Number(b.x));
  return {
    name: "session-instances",
    title: "Instances over time: ready, the scale target and each scale decision",
    kind: "steps",
    x: { title: "seconds since the session started", scale: "linear" },
    y: { title: "instances" },
    rows,
  };
}

export function scaleTable(events: readonly EngineEvent[], t0: number): PageTable | undefined {
  const scales = ofType(events, "service:scale");
  if (scales.length === 0) return undefined;
  return {
    id: "scale-decisions",
    title: "Scale decisions",
    columns: [
      "time (s)",
      "service",
      "from",
      "to",
      "reason",
      "instances",
      "outstanding",
      "ready",
      "per instance",
      "target",
      "held back",
    ],
    rows: scales.map((e) => [
      seconds(e.ts, t0),
      e.service,
      e.from,
      e.to,
      e.reason,
      (e.instances ?? []).join(" "),
      e.load.outstanding,
      e.load.instances,
      round3(e.load.per_instance),
      e.load.target,
      e.held_back ?? "",
    ]),
  };
}
