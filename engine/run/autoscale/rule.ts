/**
 * The autoscaling rule (docs/workload.md, "autoscale"), pure: given the
 * load measured now and what the service has, whether to add instances,
 * drain one, or wait. The timer and the side effects are autoscaler.ts's.
 *
 * Up: while the mean outstanding per ready instance stays above the target
 * for `up_after`, grow to ceil(outstanding / target), at most `max`. Down:
 * while the instances that would remain after one is drained would still
 * sit under the target, for `down_after`, drain one (never below `min`,
 * never while an instance is starting or draining). Both clocks restart
 * after a decision, so a burst adds instances in steps of `up_after` and a
 * quiet service shrinks one instance per `down_after`.
 */
import type { ScaleLoad } from "../../events.js";
import type { AutoscaleSpec } from "../../workload/schema.js";

export interface RawLoad {
  /** In flight and queued on the instances in rotation, plus waiting for one. */
  outstanding: number;
  /** Instances in rotation. */
  instances: number;
}

/** What the rule remembers of one service between ticks. */
export interface ScaleMemory {
  /** Since when the load has been above the target (ms), while it is. */
  highSince?: number | undefined;
  /** Since when one instance fewer would still sit under the target (ms), while it would. */
  lowSince?: number | undefined;
}

export interface RuleInput {
  now: number;
  spec: AutoscaleSpec;
  load: RawLoad;
  /** Launched instances that are not draining (starting ones included). */
  count: number;
  /** Of `count`, those not ready yet. */
  starting: number;
  /** Instances being drained now. */
  draining: number;
}

export type Decision =
  | { kind: "hold" }
  /** `to`: the count asked for (at most max); `wanted`: what the load calls for without the max. */
  | { kind: "up"; to: number; wanted: number }
  | { kind: "down"; to: number };

const HOLD: Decision = { kind: "hold" };

/** The load as the event reports it; `target` is 0 for a service without autoscale. */
export function scaleLoad(raw: RawLoad | undefined, target: number): ScaleLoad {
  const outstanding = raw?.outstanding ?? 0;
  const instances = raw?.instances ?? 0;
  const per = instances > 0 ? outstanding / instances : outstanding;
  return { outstanding, instances, per_instance: Math.round(per * 100) / 100, target };
}

/** Decides for one service at `now`, updating `memory`. */
export function decide(input: RuleInput, memory: ScaleMemory): Decision {
  const { now, spec, load, count } = input;
  const target = spec.target_outstanding;
  const per = load.instances > 0 ? load.outstanding / load.instances : load.outstanding;
  if (per > target) {
    memory.lowSince = undefined;
    memory.highSince ??= now;
    if (now - memory.highSince < spec.up_after) return HOLD;
    const wanted = Math.ceil(load.outstanding / target);
    if (wanted <= count) return HOLD;
    memory.highSince = now;
    return { kind: "up", to: Math.min(spec.max, wanted), wanted };
  }
  memory.highSince = undefined;
  const canShrink = count > spec.min && count > 1 && input.starting === 0 && input.draining === 0;
  // Hysteresis: only when the instances left would still be under the target.
  if (!canShrink || load.outstanding / (count - 1) >= target) {
    memory.lowSince = undefined;
    return HOLD;
  }
  memory.lowSince ??= now;
  if (now - memory.lowSince < spec.down_after) return HOLD;
  memory.lowSince = now;
  return { kind: "down", to: count - 1 };
}
