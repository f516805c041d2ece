/**
 * The newest GLIBC symbol version an ELF file needs, from `objdump -T`.
 *
 *   tsx build/check-glibc.ts FILE... [--max 2.28]   prints each file's need; exit 1 if one is over
 */
import { execFile } from "node:child_process";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The oldest glibc the binary promises to run on (the official Node 20 Linux build needs no more). */
export const GLIBC_CEILING = "2.28";

/** Parses `2.28` into [2, 28] for comparison. */
function parts(version: string): number[] {
  return version.split(".").map((part) => Number.parseInt(part, 10));
}

/** Negative when a < b, positive when a > b, 0 when equal. */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The highest `GLIBC_x.y` in an `objdump -T` listing, as `x.y`; undefined when none is referenced. */
export function maxGlibcIn(objdumpOutput: string): string | undefined {
  let max: string | undefined;
  for (const match of objdumpOutput.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)) {
    const version = match[1]!;
    if (max === undefined || compareVersions(version, max) > 0) max = version;
  }
  return max;
}

export async function maxGlibc(file: string): Promise<string | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await run("objdump", ["-T", file], { maxBuffer: 256 * 1024 * 1024 }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("objdump not found: install binutils (test/setup/install.sh does)");
    }
    throw error;
  }
  return maxGlibcIn(stdout);
}

async function cli(argv: readonly string[]): Promise<number> {
  const at = argv.indexOf("--max");
  const ceiling = at >= 0 ? argv[at + 1] : undefined;
  const files = argv.filter((_, i) => i !== at && i !== at + 1);
  if (files.length === 0) {
    console.error("usage: tsx build/check-glibc.ts FILE... [--max 2.28]");
    return 2;
  }
  let over = false;
  for (const file of files) {
    const max = await maxGlibc(file);
    const tooNew = ceiling !== undefined && max !== undefined && compareVersions(max, ceiling) > 0;
    over ||= tooNew;
    console.log(`${file}: GLIBC ${max ?? "(none)"}${tooNew ? ` > ${ceiling}` : ""}`);
  }
  return over ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
