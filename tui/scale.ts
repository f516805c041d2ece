/**
 * Autoscaled services on the dashboard: their instance range (from the
 * autoscaler's last decision, else the session's copy of the workload, so
 * that it shows before the first decision), the count they aim at, and their
 * scale decisions in words. Pure.
 */
import { parse } from "yaml";
import type { ScaleDecision, ServiceView, SessionState } from "../engine/state.js";
import { clock } from "./format.js";

export interface ScaleRange {
  min: number;
  max: number;
}

export type ScaleRanges = Readonly<Record<string, ScaleRange>>;

/** `autoscale.min` when the workload leaves it out. */
const DEFAULT_MIN = 1;

/** The `autoscale` range of every service of a workload file's text; {} for text that is not a workload. */
export function scaleRanges(text: string): ScaleRanges {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return {};
  }
  const services = (doc as { services?: unknown } | null)?.services;
  if (!Array.isArray(services)) return {};
  const out: Record<string, ScaleRange> = {};
  for (const service of services) {
    const { name, autoscale } = (service ?? {}) as { name?: unknown; autoscale?: { min?: unknown; max?: unknown } };
    if (typeof name !== "string" || typeof autoscale?.max !== "number") continue;
    out[name] = { min: typeof autoscale.min === "number" ? autoscale.min : DEFAULT_MIN, max: autoscale.max };
  }
  return out;
}

/** The service's autoscale range now; none once `flotilla scale` took it over (autoscaling is then off). */
export function rangeOf(service: ServiceView, ranges: ScaleRanges): ScaleRange | undefined {
  const last = service.scale;
  if (last?.reason === "manual") return undefined;
  if (last?.min !== undefined && last.max !== undefined) return { min: last.min, max: last.max };
  return ranges[service.name];
}

export function isAutoscaled(service: ServiceView, range: ScaleRange | undefined): boolean {
  return range !== undefined || service.scale !== undefined;
}

export function lastDecision(service: ServiceView): ScaleDecision | undefined {
  return service.scale;
}

const NO_DECISIONS: ScaleDecision[] = [];

/** The newest decisions the state keeps for a service, oldest first. */
export function decisionsOf(state: SessionState, service: string): ScaleDecision[] {
  return state.scaleDecisions?.[service] ?? NO_DECISIONS;
}

/** The instance count the service aims at: its last decision's, else its start (min), else every instance. */
export function targetCount(service: ServiceView, range: ScaleRange | undefined): number {
  return lastDecision(service)?.to ?? range?.min ?? service.instances.length;
}

export function scaleArrow(decision: ScaleDecision): string {
  if (decision.to > decision.from) return "↑";
  if (decision.to < decision.from) return "↓";
  return decision.reason === "load_low" ? "↓" : decision.reason === "load_high" ? "↑" : "=";
}

const SHORT_REASON: Record<ScaleDecision["reason"], string> = { load_high: "high", load_low: "low", manual: "manual" };

/** The row's scale cell: `(1..8) ↑ load_high`, or `(1..8) ↑high` when `short`. */
export function scaleCell(service: ServiceView, range: ScaleRange | undefined, short: boolean): string {
  const parts: string[] = [];
  if (range) parts.push(`(${range.min}..${range.max})`);
  const last = lastDecision(service);
  if (last)
    parts.push(short ? `${scaleArrow(last)}${SHORT_REASON[last.reason]}` : `${scaleArrow(last)} ${last.reason}`);
  return parts.join(" ");
}

/** One decision in the detail view: time, from → to, reason, measured load against the target, what held it back. */
export function decisionLine(decision: ScaleDecision): string {
  const { load } = decision;
  const held = decision.held_back ? `  held back: ${decision.held_back}` : "";
  return `${clock(decision.ts)}  ${decision.from} → ${decision.to}  ${scaleArrow(decision)} ${decision.reason}  ${load.per_instance.toFixed(1)}/instance vs target ${load.target} (${load.outstanding} on ${load.instances})${held}`;
}

/**
 * Instances a scale-down is draining: still ready (they finish what they
 * have) but out of rotation until they stop. An index the service reused
 * after the decision is not one of them.
 */
export function drainingIndexes(service: ServiceView, decisions: readonly ScaleDecision[]): ReadonlySet<number> {
  const draining = new Set<number>();
  for (const decision of decisions) {
    if (decision.to >= decision.from) continue;
    for (const index of decision.instances ?? []) {
      const instance = service.instances.find((i) => i.instance === index);
      if (instance?.state === "ready" && instance.since <= decision.ts) draining.add(index);
    }
  }
  return draining;
}
