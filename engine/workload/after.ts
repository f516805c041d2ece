/**
 * Checks of `after:` (task dependencies): every entry names a task of the
 * workload (a definition name, or one instance id such as `prep.2`) or, for a
 * submission to a running session, a task the session already has; and the
 * dependencies form no cycle. A cycle is reported once, at the `after` entry
 * that closes it, with every task on the way.
 */
import { taskInstances } from "./expand.js";
import { type Problem, suggest } from "./issues.js";
import type { Workload } from "./schema.js";

/** What a submission may refer to beyond its own file. */
export interface CheckContext {
  /** Services the running session has. */
  services?: readonly string[];
  /** Whether the session already has a task with this definition name or instance id. */
  hasTask?: (ref: string) => boolean;
}

/**
 * Finds the definition an `after` entry refers to within the workload, if
 * any: by definition name first, then by instance id. The maps are built
 * once per workload (ids only when some entry is not a name), so checking
 * 100,000 tasks that each come after another stays linear.
 */
export function definitionResolver(workload: Workload): (ref: string) => number | undefined {
  const byName = new Map<string, number>();
  for (const [i, task] of workload.tasks.entries()) if (!byName.has(task.name)) byName.set(task.name, i);
  let byId: Map<string, number> | undefined;
  return (ref) => {
    const direct = byName.get(ref);
    if (direct !== undefined) return direct;
    if (byId === undefined) {
      byId = new Map();
      for (const [i, task] of workload.tasks.entries()) {
        for (const unit of taskInstances(task)) if (!byId.has(unit.id)) byId.set(unit.id, i);
      }
    }
    return byId.get(ref);
  };
}

export function dependencyProblems(workload: Workload, context: CheckContext = {}): Problem[] {
  const problems: Problem[] = [];
  const services = new Set([...workload.services.map((s) => s.name), ...(context.services ?? [])]);
  const names = workload.tasks.map((task) => task.name);
  const edges: number[][] = workload.tasks.map(() => []);
  const definitionOf = definitionResolver(workload);
  for (const [i, task] of workload.tasks.entries()) {
    for (const [j, ref] of task.after.entries()) {
      const target = definitionOf(ref);
      if (target !== undefined) {
        edges[i]?.push(target);
        continue;
      }
      if (context.hasTask?.(ref)) continue;
      const path = ["tasks", i, "after", j];
      if (services.has(ref)) {
        problems.push({ path, message: `"${ref}" is a service, not a task (a task waits for a service with uses:)` });
        continue;
      }
      const hint = suggest(ref, names);
      problems.push({ path, message: `unknown task "${ref}"${hint ? `; did you mean "${hint}"?` : ""}` });
    }
  }
  const cycle = findCycle(edges);
  if (cycle !== undefined) {
    const [from, to] = [cycle.at(-2) as number, cycle.at(-1) as number];
    const task = workload.tasks[from];
    const j = task?.after.findIndex((ref) => definitionOf(ref) === to) ?? 0;
    problems.push({
      path: ["tasks", from, "after", Math.max(j, 0)],
      message: `dependency cycle: ${cycle.map((k) => names[k]).join(" after ")}`,
    });
  }
  return problems;
}

/** A cycle as a list of nodes whose first and last are the same, or undefined. Iterative DFS (no deep recursion). */
export function findCycle(edges: readonly number[][]): number[] | undefined {
  const color = edges.map(() => 0); // 0 unseen, 1 on the stack, 2 done
  for (let root = 0; root < edges.length; root++) {
    if (color[root] !== 0) continue;
    const stack: Array<{ node: number; next: number }> = [{ node: root, next: 0 }];
    color[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: number; next: number };
      const out = edges[top.node] ?? [];
      if (top.next >= out.length) {
        color[top.node] = 2;
        stack.pop();
        continue;
      }
      const child = out[top.next++] as number;
      if (color[child] === 1) {
        const start = stack.findIndex((frame) => frame.node === child);
        return [...stack.slice(start).map((frame) => frame.node), child];
      }
      if (color[child] === 0) {
        color[child] = 1;
        stack.push({ node: child, next: 0 });
      }
    }
  }
  return undefined;
}
