/**
 * Host timestamps: epoch milliseconds read from the monotonic clock, anchored
 * once (performance.timeOrigin), so differences are exact and never jump
 * when the wall clock is adjusted.
 */
const origin = performance.timeOrigin;

export function hostNow(): number {
  return origin + performance.now();
}
