/**
 * The keys a client needs for a CURVE host, and the files they come in:
 *
 * - the keys file the engine gives tasks (FLOTILLA_SERVICE_<NAME>_ZMQ_KEYS,
 *   docs/protocol.md): JSON, one entry per endpoint,
 *   `{"tcp://HOST:PORT": {"server_key", "public_key", "secret_key"}}`;
 * - or one such entry on its own, `{"server_key", "public_key", "secret_key"}`;
 * - or a `.key_secret` certificate (flotilla keygen) with the client pair only.
 */
import { readFileSync } from "node:fs";
import { FlotillaError } from "../../errors.js";
import type { CurveClientKeys } from "../../service/endpoints.js";
import { parseKeyText, readPrivateFile, writePrivateFile } from "./key-files.js";
import { isCurveKey } from "./z85.js";

// Declared beside the endpoints that carry it, so that service/ need not import the request path.
export type { CurveClientKeys };

interface KeysEntry {
  server_key?: string;
  public_key?: string;
  secret_key?: string;
}

export type KeysFile = Record<string, Required<KeysEntry>>;

export function keysEntry(keys: CurveClientKeys): Required<KeysEntry> {
  return { server_key: keys.serverKey, public_key: keys.publicKey, secret_key: keys.secretKey };
}

export function writeKeysFile(path: string, file: KeysFile): void {
  writePrivateFile(path, `${JSON.stringify(file, null, 2)}\n`);
}

function fromEntry(entry: KeysEntry): Partial<CurveClientKeys> {
  const keys: Partial<CurveClientKeys> = {};
  if (typeof entry.server_key === "string") keys.serverKey = entry.server_key;
  if (typeof entry.public_key === "string") keys.publicKey = entry.public_key;
  if (typeof entry.secret_key === "string") keys.secretKey = entry.secret_key;
  return keys;
}

/**
 * The client keys in `path` for `endpoint`: whatever the file holds (the
 * server key may be missing from a certificate; the caller then needs it
 * from elsewhere).
 */
export function readClientKeys(what: string, path: string, endpoint?: string): Partial<CurveClientKeys> {
  const text = readPrivateFile(what, path);
  if (text.trimStart().startsWith("{")) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new FlotillaError("USAGE", `${what} ${path}: not valid JSON`, { cause: error, context: { path } });
    }
    if ("secret_key" in parsed) return fromEntry(parsed as KeysEntry);
    const entry = endpoint === undefined ? undefined : parsed[endpoint];
    if (entry === undefined || typeof entry !== "object" || entry === null) {
      throw new FlotillaError("USAGE", `${what} ${path}: no keys for ${endpoint ?? "this endpoint"}`, {
        context: { path, ...(endpoint === undefined ? {} : { endpoint }) },
      });
    }
    return fromEntry(entry as KeysEntry);
  }
  const parsed = parseKeyText(text);
  const keys: Partial<CurveClientKeys> = {};
  if (parsed.public !== undefined) keys.publicKey = parsed.public;
  if (parsed.secret !== undefined) keys.secretKey = parsed.secret;
  return keys;
}

/** A server public key given inline (40 Z85 characters) or as a file (certificate or bare key). */
export function readServerKey(what: string, keyOrFile: string): string {
  if (isCurveKey(keyOrFile)) return keyOrFile;
  let text: string;
  try {
    text = readFileSync(keyOrFile, "utf8");
  } catch (error) {
    throw new FlotillaError("USAGE", `${what}: ${keyOrFile} is neither a CURVE key nor a readable file`, {
      cause: error,
    });
  }
  const parsed = parseKeyText(text);
  const key = parsed.public ?? (parsed.bare.length === 1 ? parsed.bare[0] : undefined);
  if (key === undefined || !isCurveKey(key)) {
    throw new FlotillaError("USAGE", `${what} ${keyOrFile}: no CURVE public key found`);
  }
  return key;
}

/** All three keys, or a usage error naming what is missing. */
export function completeKeys(what: string, keys: Partial<CurveClientKeys>): CurveClientKeys {
  const missing = (["serverKey", "publicKey", "secretKey"] as const).filter((name) => {
    const key = keys[name];
    return key === undefined || !isCurveKey(key);
  });
  if (missing.length > 0) {
    const names = missing.map((name) => ({ serverKey: "server", publicKey: "public", secretKey: "secret" })[name]);
    throw new FlotillaError("USAGE", `${what}: missing or malformed CURVE ${names.join(", ")} key`);
  }
  return keys as CurveClientKeys;
}
