import { FlotillaError, grouped } from "../engine/host.js";

/**
 * Parses a flag's value as a whole number. Strict on purpose: "8x" or "1.5"
 * are mistakes, not 8 or 1.
 */
export function parseCount(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = value.trim();
  // Only the start of what was given: a flag value can be as long as the command line.
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (!/^\d+$/.test(text)) {
    throw new FlotillaError("USAGE", `${flag} expects a whole number, got ${shown}`, {
      context: { flag, value: shown },
    });
  }
  const n = Number(text);
  if (n < min)
    throw new FlotillaError("USAGE", `${flag} must be at least ${min}, got ${shown}`, {
      context: { flag, value: shown },
    });
  // The same ceilings as the workload's allocation fields (docs/reliability.md).
  if (!Number.isSafeInteger(n) || n > max) {
    throw new FlotillaError("USAGE", `${flag} may be at most ${grouped(max)}, got ${shown}`, {
      context: { flag, value: shown },
    });
  }
  return n;
}
