/**
 * The results directory of a bench run: results.json with every
 * measurement, and one CSV per figure (the same rows `flotilla report`
 * draws). Written again after every measurement, so a run that is stopped
 * still leaves what it measured.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import { join, resolve } from "node:path";
import { type Figure, figuresOf } from "./figures.js";
import type { BenchResults, Experiment } from "./results-types.js";

export type { BenchResults, Experiment } from "./results-types.js";

export function newResults(
  experiment: Experiment,
  version: string,
  platform: string,
  options: Record<string, unknown>,
): BenchResults {
  return {
    v: 1,
    experiment,
    version,
    started: Date.now(),
    complete: false,
    machine: { hostname: hostname(), cpus: availableParallelism(), platform },
    options,
    notes: [],
    rounds: [],
    rows: [],
  };
}

/** `--out DIR`, or a new `flotilla-bench/<experiment>-<UTC time>-<hex>` in the working directory. */
export function resultsDir(experiment: Experiment, out: string | undefined, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const dir = resolve(out ?? join("flotilla-bench", `${experiment}-${stamp}-${randomBytes(2).toString("hex")}`));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** results.json (atomically) and one CSV per figure. */
export function writeResults(dir: string, results: BenchResults): void {
  const file = join(dir, "results.json");
  writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  for (const figure of figuresOf(results)) writeFileSync(join(dir, `${figure.name}.csv`), toCsv(figure));
}

export function toCsv(figure: Figure): string {
  const columns = [...new Set(figure.rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: unknown) => {
    const text = value === undefined || value === null ? "" : String(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${[columns.join(","), ...figure.rows.map((row) => columns.map((c) => cell(row[c])).join(","))].join("\n")}\n`;
}
