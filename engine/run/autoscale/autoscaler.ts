/**
 * Runs the autoscaling rule (rule.ts) for every autoscaled service of a run
 * on a timer, and carries its decisions out: more instances through the
 * service set's usual start path, one drained instance at a time, each
 * decision a `service:scale` event. Tasks waiting for cores or GPUs come
 * first (guard.ts).
 */
import type { LogEvent } from "../../events.js";
import type { ResourceRequest } from "../../resources.js";
import type { NodeUsage } from "../../scheduler/pool.js";
import type { AutoscaleSpec, ServiceSpec } from "../../workload/schema.js";
import type { ServiceSet } from "../services.js";
import { roomWith, waitingThatFits } from "./guard.js";
import { type Decision, decide, type RawLoad, type ScaleMemory, scaleLoad } from "./rule.js";

export const HELD_MAX = "max";
export const HELD_NO_ROOM = "no free cores/GPUs";
export const HELD_FOR_TASKS = "pending tasks need the resources";
export const HELD_FAILED = "added instances failed";
/** After an added instance failed for good, no scale-up of its service for this long (no restart storm). */
export const FAILED_BACKOFF_MS = 10_000;

export interface AutoscalerOptions {
  services: ServiceSet;
  /** Every service of the run (a running session may add some). */
  specs(): readonly ServiceSpec[];
  load(service: string): RawLoad | undefined;
  /** Free cores and GPUs per node now. */
  usage(): NodeUsage[];
  /** Shapes of the tasks waiting for cores or GPUs now. */
  waitingTasks(): ResourceRequest[];
  log(level: LogEvent["level"], message: string, subject: string): void;
  /** The run's signal: instances added stop with it. */
  signal: AbortSignal;
  now?: () => number;
}

type Autoscaled = ServiceSpec & { autoscale: AutoscaleSpec };

interface ServiceMemory extends ScaleMemory {
  /** The held_back last reported while the load stays high, so a lasting limit is one event, not one per try. */
  held?: string | undefined;
}

/** Between ticks: often enough for `up_after`, at most once a second. */
export function tickMs(specs: readonly ServiceSpec[]): number {
  let ms = 1_000;
  for (const spec of specs)
    if (spec.autoscale) ms = Math.min(ms, spec.autoscale.up_after / 4, spec.autoscale.down_after / 4);
  return Math.max(50, ms);
}

export class Autoscaler {
  private readonly memory = new Map<string, ServiceMemory>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: AutoscalerOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts ticking (a running session may add autoscaled services later; the timer never keeps the process alive). */
  start(): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), tickMs(this.options.specs()));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at every autoscaled service. */
  tick(): void {
    if (this.options.signal.aborted) {
      this.stop();
      return;
    }
    for (const spec of this.options.specs()) {
      if (spec.autoscale === undefined || this.options.services.isManual(spec.name)) continue;
      try {
        this.step(spec as Autoscaled);
      } catch (error) {
        // A fault in one decision must not stop the run or the other services' scaling.
        this.options.log("error", `autoscaling failed: ${(error as Error).message}`, spec.name);
      }
    }
  }

  private step(spec: Autoscaled): void {
    const { services } = this.options;
    const memory = this.memory.get(spec.name) ?? {};
    this.memory.set(spec.name, memory);
    const view = services.scaleView(spec.name);
    const raw = this.options.load(spec.name) ?? { outstanding: 0, instances: 0 };
    const decision = decide({ now: this.now(), spec: spec.autoscale, load: raw, ...view }, memory);
    if (memory.highSince === undefined) memory.held = undefined;
    this.carryOut(spec, decision, raw, view.count, memory);
  }

  private carryOut(spec: Autoscaled, decision: Decision, raw: RawLoad, count: number, memory: ServiceMemory): void {
    const { services } = this.options;
    const load = scaleLoad(raw, spec.autoscale.target_outstanding);
    switch (decision.kind) {
      case "hold":
        return;
      case "down": {
        const { indexes } = services.shrink(spec, count - decision.to);
        services.emitScale({
          service: spec.name,
          from: count,
          to: decision.to,
          reason: "load_low",
          load,
          instances: indexes,
        });
        return;
      }
      case "up": {
        let held = decision.wanted > decision.to ? HELD_MAX : undefined;
        let added: number[] = [];
        const failedAt = services.lastRetired(spec.name);
        if (decision.to > count && failedAt !== undefined && performance.now() - failedAt < FAILED_BACKOFF_MS) {
          held = HELD_FAILED;
        } else if (decision.to > count) {
          const room = roomWith(this.options.usage(), services.borrowed());
          if (waitingThatFits(room, this.options.waitingTasks()) !== undefined) held = HELD_FOR_TASKS;
          else {
            added = services.grow(spec.name, decision.to - count, this.options.signal);
            if (added.length < decision.to - count) held = HELD_NO_ROOM;
          }
        }
        if (added.length === 0 && held === memory.held) return;
        memory.held = held;
        const to = count + added.length;
        const heldBack = held === undefined ? {} : { held_back: held };
        services.emitScale({
          service: spec.name,
          from: count,
          to,
          reason: "load_high",
          load,
          instances: added,
          ...heldBack,
        });
        return;
      }
    }
  }
}
