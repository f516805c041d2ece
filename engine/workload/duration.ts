const UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/**
 * Parses "500ms", "30s", "30m", "1h", "2d", or a bare number of seconds.
 * Also accepts Slurm's "[D-]HH:MM:SS" / "MM:SS" forms. Returns milliseconds,
 * or undefined when the text is not a duration.
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? input * 1_000 : undefined;
  const simple = DURATION.exec(input);
  if (simple) {
    const unit = (simple[2] ?? "s") as keyof typeof UNITS_MS;
    return Math.round(Number(simple[1]) * UNITS_MS[unit]);
  }
  const clock = /^\s*(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)\s*$/.exec(input);
  if (clock) {
    const [, days, hours, minutes, seconds] = clock;
    return (
      Number(days ?? 0) * UNITS_MS.d +
      Number(hours ?? 0) * UNITS_MS.h +
      Number(minutes) * UNITS_MS.m +
      Number(seconds) * UNITS_MS.s
    );
  }
  return undefined;
}

/** Formats milliseconds as a short human duration: 950ms, 12.3s, 4m05s, 2h03m. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1_000);
  if (ms < 3_600_000) {
    return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, "0")}s`;
  }
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h${String(totalMinutes % 60).padStart(2, "0")}m`;
}
