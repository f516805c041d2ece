/**
 * Balancers choose which instance of a service gets the next request. They
 * are pure over what the dispatcher tells them: the instances that may take
 * a request now (ready, in rotation, not already tried for this request, with
 * room), local and remote alike.
 */
import { assertNever } from "../../events.js";
import type { BalancerName } from "../../workload/schema.js";
import { powerOfTwo } from "./power-of-two.js";

export interface Candidate {
  /** Stable instance index within the service. */
  readonly instance: number;
  /** Requests sent to it and not yet answered. */
  readonly outstanding: number;
}

export interface Balancer {
  readonly name: BalancerName;
  /** The instance for the next request, or undefined when there is no candidate. */
  pick<T extends Candidate>(candidates: readonly T[]): T | undefined;
}

/**
 * Takes candidates in turn. The cursor remembers the last instance index
 * picked rather than a position, so instances leaving or joining rotation do
 * not make it skip or repeat others.
 */
export function roundRobin(): Balancer {
  let last = -1;
  return {
    name: "round_robin",
    pick(candidates) {
      if (candidates.length === 0) return undefined;
      let next: (typeof candidates)[number] | undefined;
      let lowest: (typeof candidates)[number] | undefined;
      for (const candidate of candidates) {
        if (candidate.instance > last && (next === undefined || candidate.instance < next.instance)) next = candidate;
        if (lowest === undefined || candidate.instance < lowest.instance) lowest = candidate;
      }
      const chosen = next ?? lowest;
      if (chosen) last = chosen.instance;
      return chosen;
    },
  };
}

/** Fewest requests in flight; ties go round-robin so an idle service still spreads its load. */
export function leastOutstanding(): Balancer {
  const tieBreak = roundRobin();
  return {
    name: "least_outstanding",
    pick(candidates) {
      if (candidates.length === 0) return undefined;
      let fewest = Number.POSITIVE_INFINITY;
      for (const candidate of candidates) fewest = Math.min(fewest, candidate.outstanding);
      return tieBreak.pick(candidates.filter((candidate) => candidate.outstanding === fewest));
    },
  };
}

export function createBalancer(name: BalancerName): Balancer {
  switch (name) {
    case "round_robin":
      return roundRobin();
    case "least_outstanding":
      return leastOutstanding();
    case "power_of_two":
      return powerOfTwo();
    default:
      return assertNever(name, "balancer");
  }
}
