/**
 * The HTTP front's bearer token. Loopback is not private on a shared node
 * (every local user can connect to 127.0.0.1), so each run draws a random
 * token, keeps it in a file only its owner can read, and gives it to the
 * tasks that use a service as their OpenAI API key (docs/security.md).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, writeSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";

/** Where a session keeps its secrets; shared with the ZeroMQ keys, so created idempotently. */
export function keysDir(sessionDir: string): string {
  const dir = join(sessionDir, "keys");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask, and the directory may already exist: set it outright.
  chmodSync(dir, 0o700);
  return dir;
}

export interface FrontToken {
  token: string;
  /** `<session>/keys/front.token`, mode 0600. */
  file: string;
}

/** Draws a new token (32 random bytes, base64url) and writes it to `<session>/keys/front.token`. */
export function createFrontToken(sessionDir: string): FrontToken {
  const token = randomBytes(32).toString("base64url");
  const file = join(keysDir(sessionDir), "front.token");
  const fd = openSync(file, "w", 0o600);
  try {
    // Before the secret is written: the file may have existed with a wider mode.
    fchmodSync(fd, 0o600);
    writeSync(fd, token);
  } finally {
    closeSync(fd);
  }
  return { token, file };
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Whether an Authorization header carries `Bearer <token>`; constant time in the token's content and length. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  // Hashing first makes both sides one length, so timingSafeEqual never throws or leaks the length.
  return timingSafeEqual(digest(match?.[1] ?? ""), digest(token)) && match !== null;
}

/** Loopback addresses: 127.0.0.0/8, ::1 (and their IPv4-mapped form), and the name localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./.test(bare) || /^(0+:){7}0*1$/.test(bare);
  return false;
}

/**
 * What the official OpenAI clients read, for a task that uses a service with
 * the HTTP front: its base URL and the token as the API key. With
 * authentication off the key is a placeholder, since those clients refuse
 * to start without one.
 */
export function openaiClientEnv(baseUrl: string, token: FrontToken | undefined): Record<string, string> {
  if (token === undefined) return { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: "none" };
  return { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: token.token, FLOTILLA_FRONT_TOKEN_FILE: token.file };
}
