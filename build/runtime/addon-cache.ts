import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What decides where the binary's native addon is written (docs/build.md). */
export interface CacheEnv {
  XDG_CACHE_HOME?: string | undefined;
  HOME?: string | undefined;
}

/**
 * Directories to try, best first: the user's cache dir for this version, then
 * a per-user dir under the OS temp dir for machines whose home is read-only
 * or missing (some compute nodes).
 */
export function addonCacheDirs(env: CacheEnv, version: string, uid: number, tmp = tmpdir()): string[] {
  const dirs: string[] = [];
  const xdg = env.XDG_CACHE_HOME?.trim();
  const home = env.HOME?.trim();
  if (xdg) dirs.push(join(xdg, "flotilla", version));
  else if (home) dirs.push(join(home, ".cache", "flotilla", version));
  dirs.push(join(tmp, `flotilla-${uid}`, version));
  return dirs;
}

/**
 * Writes `bytes` as `name` into the first directory that takes it and returns
 * the file's path. A file already there with the same size is reused: the
 * name carries the content hash, and files only appear by rename, so a file
 * with that name is complete. Concurrent first starts each write their own
 * temp file and the first to link it into place wins.
 */
export function stageFile(bytes: Uint8Array, name: string, dirs: readonly string[]): string {
  const failures: string[] = [];
  let last: unknown;
  for (const dir of dirs) {
    const target = join(dir, name);
    try {
      if (statSync(target).size === bytes.byteLength) return target;
    } catch {
      // Not there yet (or unreadable): write it below.
    }
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeAtomically(target, bytes);
      return target;
    } catch (error) {
      last = error;
      failures.push(`${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`cannot write ${name} to any cache directory (${failures.join("; ")})`, { cause: last });
}

function writeAtomically(target: string, bytes: Uint8Array): void {
  const temp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const fd = openSync(temp, "wx", 0o755);
    try {
      let offset = 0;
      while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    publish(temp, target, bytes.byteLength);
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * The first complete copy wins: link() fails with EEXIST when another start got
 * there first, and that file stays, so no process that already mapped it sees
 * it replaced. A file of the wrong size (a torn copy from elsewhere) is
 * replaced; where hard links are not supported, rename is the fallback.
 */
function publish(temp: string, target: string, size: number): void {
  try {
    linkSync(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && statSync(target).size === size) return;
    if (code !== "EEXIST" && code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error;
    renameSync(temp, target);
  }
}
