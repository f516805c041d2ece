import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/**
 * Why tests that need a tiny file system of their own are skipped here, or
 * undefined when they can run: mounting takes root (CI runs as root).
 */
export const tmpfsUnavailable: string | undefined = (() => {
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  const probe = mkdtempSync(join(tmpdir(), "flotilla-tmpfs-probe-"));
  try {
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
    if (mounted.status !== 0) return `mount -t tmpfs failed: ${mounted.stderr.toString().trim()}`;
    spawnSync("umount", [probe]);
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

/** Mounts a tmpfs of `size` (e.g. "1m") at `dir`, unmounted when the test finishes; `readOnly` after `prepare`. */
export function mountTmpfs(dir: string, size: string, options: { readOnly?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir]);
  // Lazy unmount: a process still holding a file there must not keep the test from cleaning up.
  onTestFinished(() => {
    spawnSync("umount", ["-l", dir]);
  });
  if (options.readOnly) execFileSync("mount", ["-o", "remount,ro", dir]);
  return dir;
}
