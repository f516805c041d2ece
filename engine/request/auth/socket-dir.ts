/**
 * Where engine-launched hosts put their `ipc://` sockets: `<session>/sockets/`
 * (0700). A Unix socket path holds at most 107 bytes; a socket whose path
 * there would be longer goes to a private directory made with mkdtemp under
 * the runtime directory ($XDG_RUNTIME_DIR) or the system's temporary one
 * instead, its path noted in `<session>/sockets.path`. Both are removed at
 * teardown; the note stays, as a record.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlotillaError } from "../../errors.js";
import { logFileName } from "../../session/session-dir.js";

/** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
export const MAX_SOCKET_PATH = 107;

/** The instance id as a file name, cut short (with a hash, to stay unique) so it fits in sun_path. */
export function socketName(id: string): string {
  const safe = logFileName(id);
  if (safe.length <= 48) return safe;
  return `${safe.slice(0, 39)}-${createHash("sha256").update(id).digest("hex").slice(0, 8)}`;
}

export class SocketDir {
  private inSession: string | undefined;
  private fallback: string | undefined;

  constructor(
    private readonly sessionDir: string,
    private readonly runtimeDir: string | undefined,
  ) {}

  /** The ipc endpoint of instance `id` (e.g. "llm.0"); makes its directory on first use. */
  endpoint(id: string): string {
    const name = `${socketName(id)}.sock`;
    const preferred = join(this.sessionDir, "sockets");
    const dir = Buffer.byteLength(join(preferred, name)) <= MAX_SOCKET_PATH ? this.session(preferred) : this.private();
    const path = join(dir, name);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new FlotillaError("INTERNAL", `ipc socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes`);
    }
    return `ipc://${path}`;
  }

  /** The private directory in use instead of `<session>/sockets`, once made. */
  get fallbackPath(): string | undefined {
    return this.fallback;
  }

  /** Removes the sockets left behind (hosts remove their own; a killed one cannot). */
  remove(): void {
    for (const dir of [this.inSession, this.fallback]) {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
    this.inSession = undefined;
    this.fallback = undefined;
  }

  private session(dir: string): string {
    if (this.inSession === undefined) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // mkdir's mode passes through the umask; chmod does not.
      chmodSync(dir, 0o700);
      this.inSession = dir;
    }
    return dir;
  }

  private private(): string {
    if (this.fallback === undefined) {
      const dir = mkdtempSync(join(this.runtimeDir ?? tmpdir(), "flotilla-"));
      chmodSync(dir, 0o700);
      writeFileSync(join(this.sessionDir, "sockets.path"), `${dir}\n`, { mode: 0o600 });
      this.fallback = dir;
    }
    return this.fallback;
  }
}
