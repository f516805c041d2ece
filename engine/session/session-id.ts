import { randomBytes } from "node:crypto";

/**
 * A session id: `YYYYMMDD-HHMMSS-xxxx` in UTC plus 4 random hex digits. UTC so
 * ids from nodes in different time zones sort together; the suffix keeps two
 * sessions started in the same second apart. Sorting ids sorts by start time.
 */
export function newSessionId(now: Date, suffix: string = randomBytes(2).toString("hex")): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const date = `${pad(now.getUTCFullYear(), 4)}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${date}-${time}-${suffix}`;
}

export const SESSION_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
