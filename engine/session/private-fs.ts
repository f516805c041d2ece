/**
 * Files and directories only their owner can use: directories 0700, files
 * 0600, whatever the umask. A session directory holds prompts, responses,
 * logs and keys, and other users of a shared login node must not read them.
 *
 * Modes are passed at creation and set again with chmod/fchmod, because the
 * umask can take bits away (0700 & ~0277 is 0500) and some APIs ignore the
 * mode for things that already exist. Use these for every file Flotilla
 * writes in a session directory.
 */
import {
  chmodSync,
  closeSync,
  createWriteStream,
  fchmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `path` and any missing parents, each 0700, and returns the
 * directories it created (outermost first). An existing `path` is left as it
 * is. Unlike `mkdirSync({ recursive: true })`, which reports ENOENT for a
 * read-only parent, errors carry the real cause (EROFS, EACCES, ENOSPC).
 */
export function mkdirPrivate(path: string): string[] {
  const missing: string[] = [];
  // Bounded by the depth of the path: each step goes one directory up.
  for (let dir = path; !exists(dir); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
    } catch (error) {
      // Someone else created it meanwhile: fine, unless it is not a directory (the next step says so).
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      continue;
    }
    chmodSync(dir, PRIVATE_DIR_MODE);
  }
  return missing;
}

/** Creates exactly `path` (its parent must exist), 0700; false when it already exists. */
export function tryMkdirPrivate(path: string): boolean {
  try {
    mkdirSync(path, { mode: PRIVATE_DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  chmodSync(path, PRIVATE_DIR_MODE);
  return true;
}

/** Opens (creating if needed) a file as 0600; an existing file is made 0600 too. */
export function openPrivate(path: string, flags: "a" | "w" | "wx" = "a"): number {
  const fd = openSync(path, flags, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/**
 * A write stream to a 0600 file. The file is opened synchronously, so a
 * failure to open throws here; later write errors arrive as 'error' events,
 * which the caller must listen for.
 */
export function createPrivateWriteStream(path: string, flags: "a" | "w" = "a"): WriteStream {
  mkdirPrivate(dirname(path));
  return createWriteStream(path, { fd: openPrivate(path, flags) });
}

/** Writes `data` to a new or truncated 0600 file, every byte or an error. */
export function writePrivateFileSync(path: string, data: string | Uint8Array): void {
  const fd = openPrivate(path, "w");
  try {
    writeAllSync(fd, typeof data === "string" ? Buffer.from(data) : data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` atomically with `data` (a 0600 temporary file next to it,
 * then rename). On any error the temporary file is removed before rethrowing,
 * so a full disk leaves nothing half-written behind.
 */
export function replacePrivateFileSync(path: string, data: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writePrivateFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Copies a file into a 0600 one; copyFileSync would give the copy the source's mode. */
export function copyPrivateFileSync(source: string, destination: string): void {
  writePrivateFileSync(destination, readFileSync(source));
}

/**
 * `writeSync` may write fewer bytes than asked (a disk filling up): loop until
 * all are written or the system says why not. Returns the bytes written.
 */
export function writeAllSync(fd: number, data: Uint8Array): number {
  let written = 0;
  // A short write is followed by one that says why (ENOSPC); a file system that keeps reporting 0 bytes gets a few tries.
  for (let idle = 0; written < data.length; ) {
    const n = writeSync(fd, data, written, data.length - written);
    written += n;
    idle = n === 0 ? idle + 1 : 0;
    if (idle > 3) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
  }
  return written;
}

/**
 * Makes a directory the user handed us private (0700). Refuses one that
 * belongs to another user: its owner could open it up again at any time.
 */
export function makeDirPrivate(path: string): void {
  const stat = statSync(path);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw Object.assign(new Error(`owned by uid ${stat.uid}, not by this user (uid ${uid})`), { code: "EPERM" });
  }
  if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
