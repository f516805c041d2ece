/**
 * Walltime watch for a bounded allocation. The warning comes when 10% of the
 * allocation's time is left or 5 minutes, whichever is sooner; at the deadline
 * the engine cancels what is left (WALLTIME_EXCEEDED, exit 1).
 */

export const WARNING_FRACTION = 0.1;
export const WARNING_MAX_LEAD_MS = 5 * 60_000;
/** setTimeout's longest delay; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long before the deadline the warning comes, for an allocation of `totalMs`. */
export function warningLeadMs(totalMs: number): number {
  return Math.min(Math.max(totalMs, 0) * WARNING_FRACTION, WARNING_MAX_LEAD_MS);
}

export interface WalltimeWatch {
  deadline: number;
  /** When the allocation became active (ms since epoch). */
  startedAt: number;
  now?: () => number;
  onWarning(remainingMs: number): void;
  onDeadline(): void;
}

/** Arms both timers; returns the function that disarms them. */
export function watchWalltime(watch: WalltimeWatch): () => void {
  const now = watch.now ?? Date.now;
  const lead = warningLeadMs(watch.deadline - watch.startedAt);
  const timers: NodeJS.Timeout[] = [];
  const at = (time: number, action: () => void): void => {
    const delay = time - now();
    if (delay <= 0) {
      action();
      return;
    }
    const timer = setTimeout(() => (delay > MAX_TIMER_MS ? at(time, action) : action()), Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    timers.push(timer);
  };
  let warned = false;
  const warn = (): void => {
    if (warned) return;
    warned = true;
    watch.onWarning(Math.max(0, watch.deadline - now()));
  };
  at(watch.deadline - lead, warn);
  at(watch.deadline, () => {
    warn();
    watch.onDeadline();
  });
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
