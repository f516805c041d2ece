/**
 * Where a session's control socket lives. Inside the session directory
 * (0700: only its owner can even reach the socket) when the path fits a
 * Unix socket address (108 bytes on Linux); otherwise in a fresh private
 * directory under $XDG_RUNTIME_DIR or the temp dir, recorded in control.json.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirPrivate, replacePrivateFileSync } from "../../session/private-fs.js";
import { CONTROL_FILE, CONTROL_VERSION, type ControlRecord, SOCKET_NAME } from "./protocol.js";

/** sun_path is 108 bytes including the terminating NUL; keep a little room. */
export const MAX_SOCKET_PATH = 100;

export interface SocketPlace {
  path: string;
  /** The private directory made for it outside the session, to remove at the end. */
  ownDir?: string;
}

export function chooseSocketPath(sessionDir: string, env: Readonly<Record<string, string | undefined>>): SocketPlace {
  const inside = join(sessionDir, SOCKET_NAME);
  if (Buffer.byteLength(inside) <= MAX_SOCKET_PATH) return { path: inside };
  const roots = [env.XDG_RUNTIME_DIR, env.TMPDIR, tmpdir(), "/tmp"].filter((r): r is string => !!r);
  for (const root of roots) {
    let dir: string;
    try {
      dir = mkdtempSync(join(root, "flotilla-"));
      makeDirPrivate(dir);
    } catch {
      continue;
    }
    const path = join(dir, SOCKET_NAME);
    if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return { path, ownDir: dir };
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`no directory for the control socket has a path short enough (${MAX_SOCKET_PATH} bytes)`);
}

export function newControlToken(): string {
  return randomBytes(24).toString("base64url");
}

export function writeControlRecord(sessionDir: string, record: Omit<ControlRecord, "v">): void {
  replacePrivateFileSync(join(sessionDir, CONTROL_FILE), `${JSON.stringify({ v: CONTROL_VERSION, ...record })}\n`);
}

export function readControlRecord(sessionDir: string): ControlRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(join(sessionDir, CONTROL_FILE), "utf8")) as ControlRecord;
    return typeof value.socket === "string" && typeof value.token === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

export function removeControlRecord(sessionDir: string): void {
  rmSync(join(sessionDir, CONTROL_FILE), { force: true });
}
