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
