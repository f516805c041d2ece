/**
 * Reads a workload file (YAML or JSON), validates it and reports every
 * problem at once as FILE:LINE:COL: field.path: message.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { errorMessage, FlotillaError } from "../errors.js";
import type { CheckContext } from "./after.js";
import { semanticProblems } from "./checks.js";
import { issueProblems, type Problem } from "./issues.js";
import { type Workload, workloadSchema } from "./schema.js";
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

export function invalidWorkload(source: string, problems: LocatedProblem[]): FlotillaError {
  const heading = `${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the workload`;
  return new FlotillaError("WORKLOAD_INVALID", [heading, ...problems.map((p) => `  ${formatProblem(p)}`)].join("\n"), {
    context: { file: source, problems },
  });
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
  if (parsed.data === null || parsed.data === undefined) {
    throw invalidWorkload(source, [
      { file: source, path: "", message: "the file is empty (expected `version: 1` and services or tasks)" },
    ]);
  }
  const result = workloadSchema.safeParse(parsed.data);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => issueProblems(issue, parsed.data)).map(locateProblem);
    throw invalidWorkload(source, sortProblems(problems));
  }
  const loaded: LoadedWorkload = {
    workload: result.data,
    file,
    source,
    dir: dirname(file),
    locate: (path) => parsed.locate(path),
    where: (path) => {
      const pos = parsed.locate(path);
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: ${formatPath(path)}`;
    },
  };
  const semantic = semanticProblems(result.data, context).map(locateProblem);
  if (semantic.length > 0) throw invalidWorkload(source, sortProblems(semantic));
  return loaded;
}

function sortProblems(problems: LocatedProblem[]): LocatedProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

export async function loadWorkload(path: string): Promise<LoadedWorkload> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : errorMessage(error);
    throw new FlotillaError("WORKLOAD_UNREADABLE", `cannot read workload ${path}: ${why}`, {
      cause: error,
      context: { file: path },
    });
  }
  return parseWorkload(text, path);
}
