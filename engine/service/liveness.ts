/**
 * Liveness of a ready instance (docs/reliability.md, "Liveness and hang
 * recovery"). A process that is alive but no longer answers (stopped,
 * deadlocked, swapped out) never exits, so nothing else would notice it.
 *
 * Every `every` ms one check runs, bounded by `timeout`; `failures` failed
 * checks in a row make the instance dead. A suspicion (the dispatcher saw
 * it go silent with requests in flight, or requests time out on it) runs a
 * check at once, within what the suspicion allows (never more than
 * `timeout`), and one failed check is then enough: requests are already
 * waiting on it.
 */

/** One check of an instance; resolves true when it answered within `timeoutMs`. Never rejects. */
export interface LivenessProbe {
  check(timeoutMs: number): Promise<boolean>;
  /** Releases what the checks hold (a socket). */
  close(): void;
}

export interface LivenessMonitorOptions {
  every: number;
  timeout: number;
  failures: number;
  probe: LivenessProbe;
  /** A check failed, not yet enough to give up on it. */
  onCheckFailed(failures: number, why: string): void;
  /** A check passed after failed ones. */
  onRecovered(): void;
  /** The instance is dead; the monitor has stopped. */
  onDead(why: string): void;
}

export class LivenessMonitor {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private failed = 0;
  private suspicion: string | undefined;
  private suspicionCheckMs: number | undefined;
  private stopped = false;

  constructor(private readonly options: LivenessMonitorOptions) {}

  start(): void {
    this.schedule();
  }

  /** Stops checking and closes the probe; idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.options.probe.close();
  }

  /** Checks now, for at most `checkMs`; if that check fails the instance is dead. */
  suspect(why: string, checkMs?: number): void {
    if (this.stopped) return;
    if (this.suspicion === undefined) {
      this.suspicion = why;
      this.suspicionCheckMs = checkMs;
    }
    // A check already under way decides with the suspicion in mind.
    if (!this.checking) void this.tick();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), this.options.every);
    // Checks must not keep a finished engine alive.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.checking) return;
    this.checking = true;
    clearTimeout(this.timer);
    const { failures } = this.options;
    const timeout = Math.max(1, Math.min(this.options.timeout, this.suspicionCheckMs ?? this.options.timeout));
    let alive: boolean;
    try {
      alive = await this.options.probe.check(timeout);
    } catch {
      alive = false;
    } finally {
      this.checking = false;
    }
    if (this.stopped) return;
    if (alive) {
      if (this.failed > 0) this.options.onRecovered();
      this.failed = 0;
      this.suspicion = undefined;
      this.suspicionCheckMs = undefined;
      this.schedule();
      return;
    }
    this.failed++;
    const suspicion = this.suspicion;
    if (suspicion !== undefined || this.failed >= failures) {
      const why =
        suspicion !== undefined
          ? `${suspicion}, and did not answer a liveness check within ${timeout} ms`
          : `did not answer ${failures} liveness check(s) in a row within ${timeout} ms each`;
      this.stop();
      this.options.onDead(why);
      return;
    }
    this.options.onCheckFailed(this.failed, `no answer to a liveness check within ${timeout} ms`);
    this.schedule();
  }
}

/** Wait before restart number `n` (1-based): 0.5 s, doubling, at most 30 s, so a crash loop does not spin. */
export function restartDelayMs(n: number): number {
  return Math.min(500 * 2 ** Math.max(0, n - 1), 30_000);
}
