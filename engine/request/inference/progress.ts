/**
 * Progress of the inference tasks running now: requests done out of the
 * total, errors, rate and an estimate of the time left. The task's own
 * summary counts as requests end; this only reads it, for `metrics` events
 * (about once a second) and for the task's final `task:state`.
 */
import type { MetricsEvent, RequestProgress, TaskProgress } from "../../events.js";

/** What the inference task counts (InferenceSummary's fields this reads). */
export interface RequestCounts {
  readonly total: number;
  readonly ok: number;
  readonly errors: number;
}

interface Tracked {
  service: string;
  counts: RequestCounts;
  startedAt: number;
}

export class InferenceProgress {
  private readonly running = new Map<string, Tracked>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Follows task `id` until the returned function is called; returns it. */
  track(id: string, service: string, counts: RequestCounts): () => RequestProgress {
    const tracked = { service, counts, startedAt: this.now() };
    this.running.set(id, tracked);
    return () => {
      if (this.running.get(id) === tracked) this.running.delete(id);
      return progressOf(counts, this.now() - tracked.startedAt);
    };
  }

  /** `event` with the progress of every inference task running now (unchanged when none is). */
  attach(event: MetricsEvent): MetricsEvent {
    if (this.running.size === 0) return event;
    const now = this.now();
    const tasks: TaskProgress[] = [...this.running].map(([id, t]) => ({
      id,
      service: t.service,
      ...progressOf(t.counts, now - t.startedAt),
    }));
    return { ...event, tasks };
  }
}

export function progressOf(counts: RequestCounts, elapsedMs: number): RequestProgress {
  const done = counts.ok + counts.errors;
  const rate = elapsedMs > 0 ? (done * 1_000) / elapsedMs : 0;
  const left = counts.total - done;
  return {
    total: counts.total,
    done,
    errors: counts.errors,
    rate: Math.round(rate * 10) / 10,
    ...(done > 0 && left > 0 && rate > 0 ? { eta_ms: Math.round((left / rate) * 1_000) } : {}),
  };
}
