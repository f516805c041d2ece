/**
 * Service instances over a session, from its events: how long each held its
 * GPUs, and how many were ready at each moment. The session report draws
 * these; the autoscale experiment sums them into GPU-seconds.
 */
import type { EngineEvent } from "../../engine/index.js";
import { ofType } from "./run-workload.js";

export interface InstanceSpan {
  service: string;
  instance: number;
  gpus: number;
  /** When it was launched (it holds its cores and GPUs from here). */
  from: number;
  ready?: number;
  /** When it stopped or failed; the session's end for one still running. */
  to: number;
}

/**
 * One span per launch of an instance (a restart starts a new one). Remote
 * instances hold nothing of the allocation and are left out.
 */
export function instanceSpans(events: readonly EngineEvent[], end: number): InstanceSpan[] {
  const spans: InstanceSpan[] = [];
  const open = new Map<string, InstanceSpan>();
  for (const e of ofType(events, "service:state")) {
    if (e.remote === true) continue;
    const id = `${e.service}.${e.instance}`;
    const span = open.get(id);
    switch (e.state) {
      case "pending":
        break;
      case "launching":
      case "initializing":
      case "ready":
        if (span === undefined) {
          const started: InstanceSpan = {
            service: e.service,
            instance: e.instance,
            gpus: e.gpus.length,
            from: e.ts,
            to: end,
          };
          if (e.state === "ready") started.ready = e.ts;
          open.set(id, started);
        } else if (e.state === "ready" && span.ready === undefined) span.ready = e.ts;
        break;
      case "stopped":
      case "failed":
        if (span !== undefined) {
          span.to = e.ts;
          spans.push(span);
          open.delete(id);
        }
        break;
      default: {
        const never: never = e.state;
        throw new Error(`unknown instance state ${String(never)}`);
      }
    }
  }
  for (const span of open.values()) spans.push(span);
  return spans.sort((a, b) => a.from - b.from);
}

/** GPU-seconds the instances held: launch to stop, times their GPUs. */
export function gpuSeconds(spans: readonly InstanceSpan[]): number {
  return spans.reduce((sum, span) => sum + (Math.max(0, span.to - span.from) / 1_000) * span.gpus, 0);
}

/** Instance-seconds (launch to stop), for services without GPUs. */
export function instanceSeconds(spans: readonly InstanceSpan[]): number {
  return spans.reduce((sum, span) => sum + Math.max(0, span.to - span.from) / 1_000, 0);
}

/** Ready instances of one service after each change: [ts, count], in order. */
export function readySteps(spans: readonly InstanceSpan[], service: string): Array<[number, number]> {
  const changes: Array<[number, number]> = [];
  for (const span of spans) {
    if (span.service !== service || span.ready === undefined) continue;
    changes.push([span.ready, 1], [span.to, -1]);
  }
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const steps: Array<[number, number]> = [];
  let ready = 0;
  for (const [ts, delta] of changes) {
    ready += delta;
    if (steps.at(-1)?.[0] === ts) steps[steps.length - 1] = [ts, ready];
    else steps.push([ts, ready]);
  }
  return steps;
}
