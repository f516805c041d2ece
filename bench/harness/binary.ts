/**
 * Which Flotilla to run, for tests and benchmarks alike: the built single
 * binary when it is up to date, else the sources through tsx.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BINARY = join(REPO, "dist", "flotilla");

/** Newest modification time of the sources the binary is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let binaryIsFresh: boolean | undefined;

/** The binary exists and was built after the last change to engine/, cli/ or tui/ (a stale one would test old code). */
function freshBinary(): boolean {
  binaryIsFresh ??=
    existsSync(BINARY) &&
    statSync(BINARY).mtimeMs >= Math.max(...["engine", "cli", "tui"].map((dir) => newestSource(join(REPO, dir))));
  return binaryIsFresh;
}

/**
 * How tests invoke the CLI: the built single binary when it is up to date
 * (what users run), else the sources through node with tsx's loader, as one
 * process (so the pid signalled is the engine's own). FLOTILLA_TEST_SOURCE=1
 * forces the sources; FLOTILLA_TEST_BINARY=1 the binary, however old.
 */
export function cliCommand(): string[] {
  const source = process.env.FLOTILLA_TEST_SOURCE === "1";
  const binary = process.env.FLOTILLA_TEST_BINARY === "1";
  if (!source && (binary || freshBinary())) return [BINARY];
  // tsx's loader by absolute URL: `--import tsx` would resolve against the test's cwd.
  const loader = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return [process.execPath, "--import", loader, join(REPO, "cli", "main.ts")];
}
