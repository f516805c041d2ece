/**
 * Emits a `metrics` event about once a second while requests flow (quiet
 * intervals emit nothing) and one `final: true` event when stopped.
 */
import type { MetricsEvent } from "../events.js";
import type { RequestMetrics } from "./collector.js";

export interface MetricsTicker {
  /** Emits the final snapshot (once) and stops the timer. */
  stop(): void;
}

export function startMetricsTicker(
  metrics: RequestMetrics,
  emit: (event: MetricsEvent) => void,
  intervalMs = 1_000,
): MetricsTicker {
  let seen = metrics.changes;
  let stopped = false;
  const timer = setInterval(() => {
    if (metrics.changes === seen) return;
    seen = metrics.changes;
    emit(metrics.snapshot(false));
  }, intervalMs);
  // Never keep the process alive just to report.
  timer.unref();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (metrics.hasServices()) emit(metrics.snapshot(true));
    },
  };
}
