import { rmSync } from "node:fs";
import { writePrivateFileSync } from "../session/private-fs.js";

/** Room kept for summary.json and the last events (session:end) when the disk fills during a run. */
export const RESERVE_BYTES = 64 * 1024;

/**
 * Best effort: a disk already too full for the reserve gets none (and no
 * half-written file); the run itself will find out soon enough.
 */
export function writeReserve(path: string, bytes = RESERVE_BYTES): void {
  try {
    writePrivateFileSync(path, Buffer.alloc(bytes));
  } catch {
    removeReserve(path);
  }
}

export function removeReserve(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing to free, or nothing we can do about it.
  }
}
