/**
 * Where each staged file goes (pure). An input's `from` and an output's `to`
 * are on the workload's side (relative to the workload file's directory, or
 * absolute); an input's `to` and an output's `from` are inside the sandbox and
 * may not leave it. A `to` is a directory when it ends with `/`, when `from`
 * is a glob, or when it is left out; a match then keeps its path below the
 * pattern's last literal directory (`data/*.csv` → `a.csv`).
 */
import { isAbsolute, posix, resolve } from "node:path";
import { FlotillaError } from "../errors.js";
import type { StageEntry } from "../workload/schema.js";
import { renderString, type TemplateVars } from "../workload/template.js";
import { isGlob, splitGlob } from "./glob.js";

/** Why an entry is refused: the sandbox-side path, if it would leave the sandbox; else undefined. */
export function sandboxPathProblem(path: string): string | undefined {
  if (isAbsolute(path)) return "must be relative to the sandbox, not an absolute path";
  const normal = posix.normalize(path);
  if (normal === ".." || normal.startsWith("../")) return "leaves the sandbox (..)";
  return undefined;
}

/** The sandbox-side path, normalised (`.` for the sandbox itself); throws naming the entry when it leaves the sandbox. */
export function insideSandbox(path: string, what: string): string {
  const problem = sandboxPathProblem(path);
  if (problem !== undefined) {
    throw new FlotillaError("TASK_FAILED", `${what}: ${JSON.stringify(path)} ${problem}`, { context: { path } });
  }
  return posix.normalize(path).replace(/\/+$/, "") || ".";
}

/** An entry with its templates filled in for one instance. */
export interface RenderedEntry {
  from: string;
  to: string | undefined;
  mode: StageEntry["mode"];
  optional: boolean;
  /** `task sim.3, inputs[1] ("data/*.csv")`: how errors name it. */
  what: string;
}

export function renderEntry(
  entry: StageEntry,
  vars: TemplateVars,
  owner: string,
  list: "inputs" | "outputs",
  i: number,
): RenderedEntry {
  const what = `${owner}, ${list}[${i}] (${JSON.stringify(entry.from)})`;
  return {
    from: renderString(entry.from, vars),
    to: entry.to === undefined ? undefined : renderString(entry.to, vars),
    mode: entry.mode,
    optional: entry.optional,
    what,
  };
}

/** A pattern split for matching: the directory to look in, and what to match below it ("" = the base itself). */
export interface SourcePattern {
  base: string;
  rest: string;
  glob: boolean;
}

/** `from` on the workload's side: absolute, or resolved against `dir`. */
export function outsidePattern(from: string, dir: string): SourcePattern {
  const path = isAbsolute(from) ? from : resolve(dir, from);
  return patternOf(path);
}

/** `from` on the sandbox side: a normalised relative path. */
export function sandboxPattern(from: string, what: string): SourcePattern {
  return patternOf(insideSandbox(from, what));
}

function patternOf(path: string): SourcePattern {
  if (!isGlob(path)) return { base: path, rest: "", glob: false };
  const { base, rest } = splitGlob(path);
  return { base: base === "" ? "." : base, rest, glob: true };
}

/**
 * Where one match goes: `match` is its path below `pattern.base` ("" for a
 * plain path); `root` is where a relative `to` is resolved (the sandbox for
 * inputs, the workload directory for outputs); `fallback` is the directory
 * used when there is no `to`.
 */
export function destinationOf(
  pattern: SourcePattern,
  match: string,
  to: string | undefined,
  root: string,
  fallback: string,
): string {
  const leaf = match === "" ? posix.basename(pattern.base) : match;
  if (to === undefined) return resolve(fallback, leaf);
  const target = isAbsolute(to) ? to : resolve(root, to);
  if (pattern.glob || to.endsWith("/")) return resolve(target, leaf);
  return target;
}

/** Keeps only matches that no other match contains (a matched directory brings its contents). */
export function outermost(matches: readonly string[]): string[] {
  const all = new Set(matches);
  const covered = (path: string): boolean => {
    // Bounded by the depth of the path.
    for (let dir = posix.dirname(path); dir !== "." && dir !== "/"; dir = posix.dirname(dir)) {
      if (all.has(dir)) return true;
    }
    return false;
  };
  return [...all].filter((path) => !covered(path)).sort();
}
