/**
 * Staging on a file system this process can reach: finding what a pattern
 * matches, and copying, linking or moving it. Asynchronous throughout, so a
 * large copy does not hold up the engine's events and probes.
 */
import type { Dirent } from "node:fs";
import { cp, lstat, mkdir, readdir, rename, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { StageMode } from "../workload/schema.js";
import { globMatcher } from "./glob.js";
import { outermost, type SourcePattern } from "./paths.js";

/** Paths below `pattern.base` that it matches ("" = the base itself), outermost only; [] when nothing matches. */
export async function matchLocal(pattern: SourcePattern): Promise<string[]> {
  if (!pattern.glob) return (await exists(pattern.base)) ? [""] : [];
  const match = globMatcher(pattern.rest);
  const segments = pattern.rest.split("/");
  const depth = segments.includes("**") ? Number.POSITIVE_INFINITY : segments.length;
  const found: string[] = [];
  await walk(pattern.base, "", depth, (path) => {
    if (match(path)) found.push(path);
  });
  return outermost(found);
}

/** Lists `root` down to `depth` levels; does not follow symbolic links to directories. */
async function walk(root: string, prefix: string, depth: number, visit: (path: string) => void): Promise<void> {
  if (depth <= 0) return;
  let entries: Dirent[];
  try {
    entries = await readdir(prefix === "" ? root : join(root, prefix), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    visit(path);
    if (entry.isDirectory()) await walk(root, path, depth - 1, visit);
  }
}

/**
 * Puts `source` at `destination` (parents created 0700): `copy` copies files
 * and whole directories, `link` makes a symbolic link to the absolute
 * source, `move` renames, copying and removing across file systems.
 */
export async function transfer(source: string, destination: string, mode: StageMode): Promise<void> {
  await mkdir(dirname(destination), { recursive: true, mode: 0o700 });
  switch (mode) {
    case "copy":
      await cp(source, destination, { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true });
      return;
    case "link":
      await rm(destination, { recursive: true, force: true });
      await symlink(source, destination);
      return;
    case "move":
      try {
        await rename(source, destination);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
        await cp(source, destination, {
          recursive: true,
          force: true,
          preserveTimestamps: true,
          verbatimSymlinks: true,
        });
        await rm(source, { recursive: true, force: true });
      }
      return;
    default: {
      const never: never = mode;
      throw new Error(`unknown staging mode ${String(never)}`);
    }
  }
}

/** Files staged at once: enough to hide per-file latency, few enough for a shared login node's file system. */
export const TRANSFERS_AT_ONCE = 8;

/** Runs `work` over `items`, at most `limit` at a time; rejects with the first failure once the others settled. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    // Bounded: each round takes one item, and there are finitely many.
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
