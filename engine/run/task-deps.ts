/**
 * `after:` at run time: which entries a task waits for, and what its
 * dependencies say now. A reference names a task definition (all its
 * instances) or one instance id; names in the same batch (the workload, or
 * one submission) come first, then tasks the session already had.
 */
import type { TaskState } from "../events.js";
import type { TaskInstance } from "../workload/expand.js";

export interface DependencyNode {
  unit: TaskInstance;
  state: TaskState;
}

export type DependencyVerdict<E> = { kind: "ready" } | { kind: "blocked"; by: E } | { kind: "waiting"; open: E[] };

/** Resolves every `after` entry of `batch` against the batch, then against `known` (by definition name and id). */
export function resolveDependencies<E extends DependencyNode>(
  batch: readonly E[],
  known: { byTask(name: string): readonly E[]; byId(id: string): E | undefined },
): Map<E, E[]> {
  const byTask = new Map<string, E[]>();
  const byId = new Map<string, E>();
  for (const entry of batch) {
    byTask.set(entry.unit.task, [...(byTask.get(entry.unit.task) ?? []), entry]);
    byId.set(entry.unit.id, entry);
  }
  const result = new Map<E, E[]>();
  for (const entry of batch) {
    const deps = new Set<E>();
    for (const ref of entry.unit.spec.after) {
      const local = byTask.get(ref) ?? (byId.has(ref) ? [byId.get(ref) as E] : undefined);
      const found = local ?? (known.byTask(ref).length > 0 ? known.byTask(ref) : [known.byId(ref)]);
      for (const dep of found) if (dep !== undefined && dep !== entry) deps.add(dep);
    }
    if (deps.size > 0) result.set(entry, [...deps]);
  }
  return result;
}

/** Ready when every dependency is done; blocked by the first that ended otherwise. */
export function dependencyVerdict<E extends DependencyNode>(deps: readonly E[]): DependencyVerdict<E> {
  const open: E[] = [];
  for (const dep of deps) {
    if (dep.state === "failed" || dep.state === "canceled" || dep.state === "skipped")
      return { kind: "blocked", by: dep };
    if (dep.state !== "done") open.push(dep);
  }
  return open.length === 0 ? { kind: "ready" } : { kind: "waiting", open };
}
