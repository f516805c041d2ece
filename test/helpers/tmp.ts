import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/** A fresh temporary directory, removed again when the current test finishes. */
export function tempDir(prefix = "flotilla-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A temporary directory for a whole suite (beforeAll/afterAll); call `remove` yourself. */
export function suiteTempDir(prefix = "flotilla-test-"): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
