/**
 * Latency histograms over hdr-histogram-js. Values arrive in milliseconds
 * (fractions allowed) and are recorded as integer microseconds, so sub-ms
 * ZeroMQ round trips keep three significant digits.
 */

import { build, type Histogram } from "hdr-histogram-js";
import type { LatencySummary, RequestComponentStats } from "../events.js";
import type { RequestTiming } from "./timing.js";

/** One hour in microseconds: anything longer is clamped, not dropped. */
const HIGHEST_US = 3_600_000_000;

export function createHistogram(): Histogram {
  // 32-bit buckets: ~5x faster to record than "packed" and still small (tens of KB).
  return build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    autoResize: false,
  });
}

export function recordMs(histogram: Histogram, ms: number): void {
  if (!Number.isFinite(ms)) return;
  const us = Math.round(ms * 1_000);
  histogram.recordValue(Math.min(Math.max(us, 0), HIGHEST_US));
}

const round3 = (value: number): number => Math.round(value * 1_000) / 1_000;

export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    count,
    mean: round3(histogram.mean / 1_000),
    p50: round3(histogram.getValueAtPercentile(50) / 1_000),
    p95: round3(histogram.getValueAtPercentile(95) / 1_000),
    p99: round3(histogram.getValueAtPercentile(99) / 1_000),
    max: round3(histogram.maxValue / 1_000),
  };
}

export type { RequestTiming };

/** A histogram per latency component. */
export class ComponentHistograms {
  readonly communication = createHistogram();
  readonly service = createHistogram();
  readonly inference = createHistogram();
  readonly total = createHistogram();
  /** Made on the first streamed request: most services never stream. */
  private firstPiece: Histogram | undefined;

  record(timing: RequestTiming): void {
    recordMs(this.communication, timing.communication_ms);
    recordMs(this.service, timing.service_ms);
    recordMs(this.inference, timing.inference_ms);
    recordMs(this.total, timing.total_ms);
    if (timing.first_piece_ms !== undefined) {
      this.firstPiece ??= createHistogram();
      recordMs(this.firstPiece, timing.first_piece_ms);
    }
  }

  /** Replaces the contents with the sum of `parts` (a service's from its instances'). */
  mergeFrom(parts: readonly ComponentHistograms[]): void {
    for (const key of ["communication", "service", "inference", "total"] as const) {
      this[key].reset();
      for (const part of parts) this[key].add(part[key]);
    }
    this.firstPiece?.reset();
    for (const part of parts) {
      if (part.firstPiece === undefined) continue;
      this.firstPiece ??= createHistogram();
      this.firstPiece.add(part.firstPiece);
    }
  }

  summary(): RequestComponentStats {
    const stats: RequestComponentStats = {
      communication: summarize(this.communication),
      service: summarize(this.service),
      inference: summarize(this.inference),
      total: summarize(this.total),
    };
    if (this.firstPiece !== undefined && this.firstPiece.totalCount > 0) {
      stats.first_piece = summarize(this.firstPiece);
    }
    return stats;
  }

  destroy(): void {
    this.communication.destroy();
    this.service.destroy();
    this.inference.destroy();
    this.total.destroy();
    this.firstPiece?.destroy();
  }
}
