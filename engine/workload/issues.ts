/**
 * Turns zod issues into messages a person can act on: the field path as it
 * appears in the file, what was expected and what was found.
 */
import type { core } from "zod";
import { clip, grouped } from "./limits.js";
import { allocationSchema, serviceSchema, taskSchema, workloadSchema } from "./schema.js";
import { type FieldPath, valueAt } from "./source.js";

export interface Problem {
  path: FieldPath;
  message: string;
  /** Point at the key rather than its value (unknown keys). */
  key?: boolean;
}

type Issue = core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  literal: "a fixed value",
};

/** Known keys per object, for "did you mean" on unknown keys. */
function knownKeys(path: FieldPath): string[] {
  const [top, , sub] = path;
  if (path.length === 0) return Object.keys(workloadSchema.shape);
  if (top === "allocation" && path.length === 1) return Object.keys(allocationSchema.shape);
  if (top === "services" && path.length === 2) return Object.keys(serviceSchema.shape);
  if (top === "tasks" && path.length === 2) return Object.keys(taskSchema.shape);
  if (top === "services" && sub === "ready") return ["http", "tcp", "log"];
  if (top === "services" && sub === "delay") return ["mean_ms", "sd_ms"];
  if (top === "services" && sub === "endpoints" && path.length === 4)
    return ["url", "token_file", "token_env", "server_key", "client_keys"];
  if (top === "services" && sub === "liveness") return ["every", "timeout", "failures"];
  if ((sub === "inputs" || sub === "outputs") && path.length === 4) return ["from", "to", "mode", "optional"];
  return [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

export function suggest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Short, readable rendering of a found value. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  // YAML and JSON read 1e400 as Infinity, which JSON.stringify would print as null.
  if (typeof value === "number" && !Number.isFinite(value)) return "a number too large to represent";
  // Only the start of a long string: it is quoted once, not copied whole into the message.
  if (typeof value === "string" && value.length > 40) return clip(JSON.stringify(value.slice(0, 40)));
  return clip(JSON.stringify(value));
}

/** Zod's stock messages start like this; schema-authored messages do not. */
const STOCK = /^(Invalid|Too (small|big)|Expected)/;

function unknownKeyProblems(path: FieldPath, keys: string[], known = knownKeys(path)): Problem[] {
  return keys.map((key) => {
    const hint = suggest(key, known);
    const list = known.length > 0 ? ` (known keys: ${known.join(", ")})` : "";
    return {
      path: [...path, key],
      key: true,
      message: hint ? `unknown key "${clip(key)}"; did you mean "${hint}"?` : `unknown key "${clip(key)}"${list}`,
    };
  });
}

function unionProblems(issue: Extract<Issue, { code: "invalid_union" }>, data: unknown): Problem[] {
  const branches = issue.errors;
  const value = valueAt(data, issue.path as FieldPath);
  // Every branch rejected the type itself: list the alternatives.
  const rootTypes = branches.map((b) =>
    b.length === 1 && b[0]?.code === "invalid_type" && b[0].path.length === 0 ? b[0].expected : undefined,
  );
  if (branches.length > 0 && rootTypes.every((t) => t !== undefined)) {
    const wanted = [...new Set(rootTypes.map((t) => EXPECTED[t!] ?? t!))].join(" or ");
    return [{ path: issue.path as FieldPath, message: `expected ${wanted}, got ${describe(value)}` }];
  }
  // Alternatives that are one-key mappings (ready probes): the key picks the branch.
  const keys = knownKeys(issue.path as FieldPath);
  const isMapping = value !== null && typeof value === "object" && !Array.isArray(value);
  if (isMapping && keys.length === branches.length) {
    const given = Object.keys(value);
    const unknown = given.filter((k) => !keys.includes(k));
    if (unknown.length > 0) return unknownKeyProblems(issue.path as FieldPath, unknown, keys);
    const chosen = keys.findIndex((k) => given.includes(k));
    if (chosen >= 0 && given.length === 1) {
      return (branches[chosen] ?? []).flatMap((inner) => issueProblems(prefixed(inner, issue.path), data));
    }
    const choices = keys.map((k) => `"${k}"`).join(", ");
    const found = given.length === 0 ? "none" : given.map((k) => `"${clip(k)}"`).join(", ");
    return [{ path: issue.path as FieldPath, message: `expected exactly one of ${choices}, got ${found}` }];
  }
  // A union that says in its own words what it takes (liveness: off or a mapping).
  if (!isMapping && !STOCK.test(issue.message)) {
    return [{ path: issue.path as FieldPath, message: `${issue.message}, got ${describe(value)}` }];
  }
  // Otherwise report the branch that came closest.
  const closest = [...branches].sort((a, b) => a.length - b.length)[0] ?? [];
  return closest.flatMap((inner) => issueProblems(prefixed(inner, issue.path), data));
}

function prefixed(issue: Issue, path: PropertyKey[]): Issue {
  return { ...issue, path: [...path, ...issue.path] } as Issue;
}

export function issueProblems(issue: Issue, data: unknown): Problem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  const value = valueAt(data, path);
  switch (issue.code) {
    case "unrecognized_keys":
      return unknownKeyProblems(path, issue.keys);
    case "invalid_union":
      return unionProblems(issue, data);
    case "invalid_type": {
      if (value === undefined) return [{ path, message: "is required" }];
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return [{ path, message: `expected ${expected}, got ${describe(value)}` }];
    }
    case "invalid_value": {
      const choices = issue.values.map((v) => JSON.stringify(v)).join(", ");
      const base = STOCK.test(issue.message)
        ? `expected ${issue.values.length > 1 ? "one of " : ""}${choices}`
        : issue.message;
      return [{ path, message: value === undefined ? `is required (${base})` : `${base}, got ${describe(value)}` }];
    }
    case "too_small":
    case "too_big": {
      if (issue.code === "too_big" && issue.origin === "string" && typeof value === "string") {
        return [
          { path, message: `is ${grouped(value.length)} characters long; at most ${grouped(Number(issue.maximum))}` },
        ];
      }
      if (!STOCK.test(issue.message)) return [{ path, message: issue.message }];
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const word = issue.code === "too_small" ? "at least" : "at most";
      const limit = typeof bound === "number" ? grouped(bound) : String(bound);
      const message =
        issue.origin === "array"
          ? `needs ${word} ${limit} item${Number(bound) === 1 ? "" : "s"}`
          : `must be ${word} ${limit}, got ${describe(value)}`;
      return [{ path, message }];
    }
    default:
      return [
        { path, message: STOCK.test(issue.message) ? `${issue.message}, got ${describe(value)}` : issue.message },
      ];
  }
}
