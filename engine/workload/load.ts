/**
 * Reads a workload file (YAML or JSON), validates it and reports every
 * problem at once as FILE:LINE:COL: field.path: message.
 */
import { dirname, resolve } from "node:path";
import { FlotillaError } from "../errors.js";
import type { CheckContext } from "./after.js";
import { boundsProblems } from "./bounds.js";
import { semanticProblems } from "./checks.js";
import { describe, type Problem } from "./issues.js";
import { grouped } from "./limits.js";
import { readWorkloadFile } from "./read.js";
import type { Workload } from "./schema.js";
import { checkSchema, MAX_PROBLEMS } from "./schema-check.js";
import { type FieldPath, formatPath, type Position, parseSource } from "./source.js";

export interface LoadedWorkload {
  workload: Workload;
  /** Absolute path of the file. */
  file: string;
  /** The path as the user gave it; used in messages. */
  source: string;
  /** Directory of the file: relative paths inside the workload resolve against it. */
  dir: string;
  /** Line and column (1-based) of the value at `path`, e.g. ["tasks", 2, "gpus"]. */
  locate(path: FieldPath): Position | undefined;
  /** `FILE:LINE:COL: path` for messages about a field. */
  where(path: FieldPath): string;
}

/** One reported problem, located. Carried in FlotillaError.context.problems. */
export interface LocatedProblem {
  file: string;
  line?: number;
  col?: number;
  path: string;
  message: string;
}

export function formatProblem(p: LocatedProblem): string {
  const at = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
  return `${at}: ${p.path === "" ? "" : `${p.path}: `}${p.message}`;
}

/** Problems listed in a message: a file with a million mistakes gets the first ones and a count. */
export const MAX_LISTED_PROBLEMS = 100;

/** `stopped`: checking gave up at MAX_PROBLEMS, so the count is a lower bound. */
export function invalidWorkload(
  source: string,
  problems: LocatedProblem[],
  omitted = 0,
  stopped = false,
): FlotillaError {
  const total = problems.length + omitted;
  const count = `${stopped ? "at least " : ""}${grouped(total)} problem${total === 1 ? "" : "s"}`;
  const heading = `${source}: ${count} in the workload${stopped ? " (checking stopped there)" : ""}`;
  const more = omitted > 0 ? [`  ... and ${grouped(omitted)} more`] : [];
  return new FlotillaError(
    "WORKLOAD_INVALID",
    [heading, ...problems.map((p) => `  ${formatProblem(p)}`), ...more].join("\n"),
    { context: { file: source, problems, ...(omitted > 0 ? { omitted } : {}) } },
  );
}

/** Validates workload text; `source` names it in messages; `context` is what a submission may refer to. */
export function parseWorkload(
  text: string,
  source: string,
  file = resolve(source),
  context: CheckContext = {},
): LoadedWorkload {
  const parsed = parseSource(text);
  const locateProblem = (p: Problem): LocatedProblem => {
    const pos = parsed.locate(p.path, p.key ? { key: true } : {});
    return { file: source, ...(pos ?? {}), path: formatPath(p.path), message: p.message };
  };
  // Locating costs a scan for JSON: locate only the problems that are listed.
  const fail = (problems: Problem[], stopped = false): FlotillaError => {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map(locateProblem);
    return invalidWorkload(source, sortProblems(listed), problems.length - listed.length, stopped);
  };
  if (parsed.syntaxErrors.length > 0) {
    throw invalidWorkload(
      source,
      parsed.syntaxErrors.map((e) => ({
        file: source,
        ...(e.position ?? {}),
        path: "",
        message: `YAML: ${e.message}`,
      })),
    );
  }
  const data = parsed.data;
  if (data === null || data === undefined) {
    throw invalidWorkload(source, [
      { file: source, path: "", message: "the file is empty (expected `version: 1` and services or tasks)" },
    ]);
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    // Say what it is, not what it says: the text may be anything at all.
    const what = typeof data === "string" ? "a string" : describe(data);
    throw fail([{ path: [], message: `a workload is a mapping (version: 1, services, tasks), not ${what}` }]);
  }
  const bounds = boundsProblems(data);
  if (bounds.length > 0) throw fail(bounds);
  const checked = checkSchema(data as Record<string, unknown>);
  if (checked.workload === undefined) throw fail(checked.problems, checked.stopped);
  const workload = checked.workload;
  const loaded: LoadedWorkload = {
    workload,
    file,
    source,
    dir: dirname(file),
    locate: (path) => parsed.locate(path),
    where: (path) => {
      const pos = parsed.locate(path);
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: ${formatPath(path)}`;
    },
  };
  const semantic = semanticProblems(workload, context, MAX_PROBLEMS);
  if (semantic.length > 0) throw fail(semantic, semantic.length >= MAX_PROBLEMS);
  return loaded;
}

function sortProblems(problems: LocatedProblem[]): LocatedProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

export async function loadWorkload(path: string): Promise<LoadedWorkload> {
  return parseWorkload(await readWorkloadFile(path), path);
}
