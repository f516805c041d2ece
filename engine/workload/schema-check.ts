/**
 * Runs the schema one service and one task at a time, and stops once enough
 * problems are known. One parse of a million broken tasks would build a
 * million issues (1.5 GB, 20 s) to print a hundred of them.
 */
import type { core } from "zod";
import { issueProblems, type Problem } from "./issues.js";
import { serviceSchema, taskSchema, type Workload, workloadSchema } from "./schema.js";

/** Checking stops after this many problems; the first MAX_LISTED_PROBLEMS of them are printed. */
export const MAX_PROBLEMS = 1_000;

export interface SchemaResult {
  workload?: Workload;
  problems: Problem[];
  /** True when checking stopped at MAX_PROBLEMS: there may be more. */
  stopped: boolean;
}

type Schema = typeof serviceSchema | typeof taskSchema;

export function checkSchema(data: Record<string, unknown>): SchemaResult {
  const problems: Problem[] = [];
  const add = (issues: readonly core.$ZodIssue[], prefix: (string | number)[]) => {
    for (const issue of issues) {
      const located = { ...issue, path: [...prefix, ...issue.path] } as core.$ZodIssue;
      for (const p of issueProblems(located, data)) problems.push(p);
    }
  };
  const lists: Record<"services" | "tasks", unknown[]> = { services: [], tasks: [] };
  const rest: Record<string, unknown> = { ...data };
  for (const [key, schema] of [
    ["services", serviceSchema],
    ["tasks", taskSchema],
  ] as [keyof typeof lists, Schema][]) {
    const items = data[key];
    // Not a list: the whole-workload parse below says so.
    if (!Array.isArray(items)) continue;
    rest[key] = [];
    // Bounded by the list's length (LIMITS in bounds.ts) and stops at MAX_PROBLEMS.
    for (let i = 0; i < items.length; i++) {
      const result = schema.safeParse(items[i]);
      if (result.success) lists[key].push(result.data);
      else add(result.error.issues, [key, i]);
      if (problems.length >= MAX_PROBLEMS) return { problems, stopped: true };
    }
  }
  const top = workloadSchema.safeParse(rest);
  if (!top.success) add(top.error.issues, []);
  if (problems.length > 0 || !top.success) return { problems, stopped: problems.length >= MAX_PROBLEMS };
  const workload = { ...top.data };
  if (Array.isArray(data.services)) workload.services = lists.services as Workload["services"];
  if (Array.isArray(data.tasks)) workload.tasks = lists.tasks as Workload["tasks"];
  return { workload, problems, stopped: false };
}
