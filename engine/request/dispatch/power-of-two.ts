/**
 * Power of two choices: sample two candidates at random and send to the one
 * with fewer requests outstanding. Nearly as good as least-outstanding at
 * avoiding a slow instance, without every sender herding onto the same
 * "least loaded" instance between updates (Mitzenmacher, 2001).
 */

/** A Balancer (balancer.ts), declared apart so that balancer.ts can make one without an import cycle. */
export interface PowerOfTwo {
  readonly name: "power_of_two";
  pick<T extends { readonly outstanding: number }>(candidates: readonly T[]): T | undefined;
}

/** `random` returns [0, 1), as Math.random does (a seeded one in tests). */
export function powerOfTwo(random: () => number = Math.random): PowerOfTwo {
  return {
    name: "power_of_two",
    pick<T extends { readonly outstanding: number }>(candidates: readonly T[]): T | undefined {
      if (candidates.length <= 1) return candidates[0];
      const i = Math.floor(random() * candidates.length);
      // A second index different from the first, uniformly.
      let j = Math.floor(random() * (candidates.length - 1));
      if (j >= i) j++;
      const a = candidates[i] as T;
      const b = candidates[j] as T;
      if (a.outstanding !== b.outstanding) return a.outstanding < b.outstanding ? a : b;
      return random() < 0.5 ? a : b;
    },
  };
}
