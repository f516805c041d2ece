/** Summary statistics over plain samples (rounds, instances, requests). */

export interface Stats {
  count: number;
  mean: number;
  sd: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentile of sorted values (q in 0..1); 0 for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 below two samples. */
export function sd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: values.length,
    mean: round3(mean(values)),
    sd: round3(sd(values)),
    p50: round3(percentile(sorted, 0.5)),
    p95: round3(percentile(sorted, 0.95)),
    p99: round3(percentile(sorted, 0.99)),
  };
}

/** Microsecond resolution is all any of these clocks have. */
export function round3(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}
