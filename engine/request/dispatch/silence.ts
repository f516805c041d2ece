/**
 * Notices an instance that has requests in flight and has answered nothing
 * for much longer than the service's instances usually take: a hung process
 * keeps accepting what is sent to it, so a balancer that only looks at free
 * capacity would keep feeding it until every request of the run waits
 * there. The dispatcher stops sending to it and reports it, so that its
 * liveness is checked at once; its requests in flight wait until it answers
 * again or is declared dead (then they are retried elsewhere).
 *
 * "Much longer": 10× the usual answer time (a moving average over the
 * service's replies), at least SILENCE_FLOOR_MS (scheduling hiccups on a busy
 * node), at most the liveness period (`every`), which is also the threshold
 * until the first replies have come.
 */
import type { InstanceEntry } from "./instance.js";

export const SILENCE_FLOOR_MS = 500;
const SCAN_MS = 100;

export class SilenceWatch {
  private typicalMs = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    entries: () => Iterable<InstanceEntry>,
    private readonly periodMs: number,
    /** `checkMs`: how long a liveness check of it may take before it is dead (the same threshold). */
    onSilent: (entry: InstanceEntry, why: string, checkMs: number) => void,
  ) {
    this.timer = setInterval(
      () => {
        const now = performance.now();
        const threshold = this.thresholdMs();
        for (const entry of entries()) {
          if (!entry.available || entry.outstanding === 0) continue;
          const quiet = now - entry.lastHeard;
          if (quiet < threshold) continue;
          const usual = this.samples === 0 ? "" : `; replies usually take ${this.typicalMs.toFixed(1)} ms`;
          onSilent(
            entry,
            `answered nothing for ${Math.round(quiet)} ms with ${entry.outstanding} request(s) in flight${usual}`,
            threshold,
          );
        }
      },
      Math.min(SCAN_MS, periodMs),
    );
    this.timer.unref();
  }

  /** A reply took `ms` (one multiply-add per reply). */
  answered(ms: number): void {
    this.typicalMs = this.samples++ === 0 ? ms : this.typicalMs + (ms - this.typicalMs) * 0.05;
  }

  thresholdMs(): number {
    if (this.samples === 0) return this.periodMs;
    return Math.min(this.periodMs, Math.max(SILENCE_FLOOR_MS, 10 * this.typicalMs));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
