/**
 * Where engine-launched hosts put their `ipc://` sockets: `<session>/sockets/`
 * (0700). A Unix socket path holds at most 107 bytes; when the session
 * directory is too deep for that, a private directory made with mkdtemp under
 * the runtime directory ($XDG_RUNTIME_DIR) or the system's temporary one is
 * used instead, its path noted in `<session>/sockets.path`. Either is removed
 * at teardown; the note stays, as a record.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlotillaError } from "../../errors.js";
import { logFileName } from "../../session/session-dir.js";

/** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
export const MAX_SOCKET_PATH = 107;

export class SocketDir {
  private dir: string | undefined;

  constructor(
    private readonly sessionDir: string,
    private readonly runtimeDir: string | undefined,
  ) {}

  /** The ipc endpoint of instance `id` (e.g. "llm.0"); makes the directory on first use. */
  endpoint(id: string): string {
    const name = `${logFileName(id)}.sock`;
    if (this.dir === undefined) {
      const inSession = join(this.sessionDir, "sockets");
      // Names grow with the instance index: leave room for the longest likely one.
      if (Buffer.byteLength(join(inSession, name)) + 8 <= MAX_SOCKET_PATH) {
        mkdirSync(inSession, { recursive: true, mode: 0o700 });
        this.dir = inSession;
      } else {
        this.dir = mkdtempSync(join(this.runtimeDir ?? tmpdir(), "flotilla-"));
        writeFileSync(join(this.sessionDir, "sockets.path"), `${this.dir}\n`, { mode: 0o600 });
      }
      chmodSync(this.dir, 0o700);
    }
    const path = join(this.dir, name);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new FlotillaError("INTERNAL", `ipc socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes`);
    }
    return `ipc://${path}`;
  }

  /** The directory in use, once made. */
  get path(): string | undefined {
    return this.dir;
  }

  /** Removes the sockets left behind (hosts remove their own; a killed one cannot). */
  remove(): void {
    if (this.dir === undefined) return;
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
