/**
 * Plain-text formatting for the dashboard: durations, numbers, bars. Pure,
 * so component tests can predict every character.
 */

/** What an absent number prints as: never a made-up zero. */
export const ABSENT = "–";

/** 850ms, 12.3s, 4m05s, 2h03m. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return ABSENT;
  const abs = Math.max(0, ms);
  if (abs < 1_000) return `${Math.round(abs)}ms`;
  if (abs < 60_000) return `${(abs / 1_000).toFixed(1)}s`;
  const totalSeconds = Math.floor(abs / 1_000);
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, "0")}m`;
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/** Latency in milliseconds with sensible precision: 0.42ms, 3.1ms, 120ms, 2.4s. */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return ABSENT;
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 100) return `${ms.toFixed(1)}ms`;
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  return `${(ms / 1_000).toFixed(1)}s`;
}

export function formatRate(rate: number | undefined): string {
  if (rate === undefined || !Number.isFinite(rate)) return ABSENT;
  if (rate >= 1_000) return `${(rate / 1_000).toFixed(1)}k`;
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

export function formatCount(value: number | undefined): string {
  return value === undefined ? ABSENT : String(value);
}

/** Compact id list: 0-3,6 for [0,1,2,3,6]; "–" when empty. */
export function formatIds(ids: readonly number[]): string {
  return ids.length === 0 ? ABSENT : idRuns([...ids].sort((a, b) => a - b));
}

/** Runs of consecutive ids in the order given: [0,1,2,3,6] → "0-3,6"; the plan's text and the dashboard both use it. */
export function idRuns(ids: readonly number[]): string {
  if (ids.length === 0) return "";
  const parts: string[] = [];
  let start = ids[0] as number;
  let previous = start;
  for (const id of [...ids.slice(1), Number.NaN]) {
    if (id === previous + 1) {
      previous = id;
      continue;
    }
    parts.push(start === previous ? String(start) : `${start}-${previous}`);
    start = id;
    previous = id;
  }
  return parts.join(",");
}

/** A usage bar `width` cells wide: filled cells for used/total. */
export function usageBar(used: number, total: number, width: number): string {
  if (width <= 0) return "";
  const filled = total > 0 ? Math.min(width, Math.round((used / total) * width)) : 0;
  return "█".repeat(filled) + "░".repeat(width - filled);
}

/**
 * Splits `cells` cells among `values` in proportion, giving every non-zero
 * value at least one cell so a small component stays visible.
 */
export function splitCells(values: readonly number[], cells: number): number[] {
  const total = values.reduce((sum, value) => sum + Math.max(0, value), 0);
  if (total <= 0 || cells <= 0) return values.map(() => 0);
  const raw = values.map((value) => (Math.max(0, value) / total) * cells);
  const out = raw.map((share, index) => ((values[index] as number) > 0 ? Math.max(1, Math.floor(share)) : 0));
  let left = cells - out.reduce((sum, n) => sum + n, 0);
  // Hand out what rounding left over, largest remainder first.
  const order = raw.map((share, index) => ({ index, rest: share - Math.floor(share) })).sort((a, b) => b.rest - a.rest);
  for (const { index } of order) {
    if (left <= 0) break;
    if ((values[index] as number) > 0) {
      out[index] = (out[index] as number) + 1;
      left -= 1;
    }
  }
  // Minimum cells can overshoot on tiny bars: take back from the largest.
  while (left < 0) {
    const largest = out.indexOf(Math.max(...out));
    if ((out[largest] as number) <= 1) break;
    out[largest] = (out[largest] as number) - 1;
    left += 1;
  }
  return out;
}

/**
 * A table cell exactly `width` columns wide whose last column is always a
 * space, so neighbours never run together; longer text is cut with "…".
 */
export function cell(text: string, width: number): string {
  if (width <= 1) return " ".repeat(Math.max(0, width));
  if (text.length < width) return text.padEnd(width);
  return width === 2 ? "… " : `${text.slice(0, width - 2)}… `;
}

export function clock(ts: number): string {
  const date = new Date(ts);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** A task's staging times, "in 12ms out 3ms" (either may be absent); "" without a workdir. */
export function formatStaging(task: { stage_in_ms?: number; stage_out_ms?: number }): string {
  const parts: string[] = [];
  if (task.stage_in_ms !== undefined) parts.push(`in ${formatDuration(task.stage_in_ms)}`);
  if (task.stage_out_ms !== undefined) parts.push(`out ${formatDuration(task.stage_out_ms)}`);
  return parts.length === 0 ? "" : `staged ${parts.join(" ")}`;
}
