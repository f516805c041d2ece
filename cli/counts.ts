import { FlotillaError } from "../engine/host.js";

/**
 * Parses a flag's value as a whole number. Strict on purpose: "8x" or "1.5"
 * are mistakes, not 8 or 1.
 */
export function parseCount(flag: string, value: string, min: number): number {
  const text = value.trim();
  if (!/^\d+$/.test(text)) {
    throw new FlotillaError("USAGE", `${flag} expects a whole number, got ${JSON.stringify(value)}`, {
      context: { flag, value },
    });
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new FlotillaError("USAGE", `${flag} must be at least ${min}, got ${value}`, { context: { flag, value } });
  }
  return n;
}
