/**
 * Size limits on the plain data, checked before the schema sees it: the
 * schema would otherwise walk a million-item list or a cyclic alias before
 * saying anything. Reports where a limit is crossed, never the value itself.
 */
import type { Problem } from "./issues.js";
import { grouped, LIMITS } from "./limits.js";
import type { FieldPath } from "./source.js";

/** At most this many size problems: one is enough to act on, a flood helps nobody. */
const MAX_PROBLEMS = 20;

/**
 * Values visited in all. A 16 MB file holds fewer than this in any workload
 * that could pass; only aliases that repeat a big list can reach it, and the
 * schema would then walk every copy.
 */
const MAX_VALUES = 5_000_000;

/** How many items a list at `path` may hold: task and service lists and for_each are big on purpose. */
function listLimit(path: FieldPath): number {
  if (path.length === 1 && path[0] === "tasks") return LIMITS.taskProcesses;
  if (path.length === 1 && path[0] === "services") return LIMITS.serviceInstances;
  if (path.length === 3 && path[0] === "tasks" && path[2] === "for_each") return LIMITS.taskProcesses;
  return LIMITS.listItems;
}

export function boundsProblems(data: unknown): Problem[] {
  const problems: Problem[] = [];
  const stack: [unknown, FieldPath][] = [[data, []]];
  // Strings are checked where they are found; only collections go on the stack,
  // so a million-item list costs no million paths.
  const push = (value: unknown, path: FieldPath) => {
    if (typeof value === "string") {
      if (value.length > LIMITS.stringChars) {
        problems.push({
          path,
          message: `is ${grouped(value.length)} characters long; at most ${grouped(LIMITS.stringChars)}`,
        });
      }
    } else if (value !== null && typeof value === "object") stack.push([value, path]);
  };
  // Every value is visited at most once per reference; aliases are already bounded
  // by the parser (LIMITS.yamlAliasExpansion), and cycles stop at LIMITS.depth.
  let visited = 0;
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const [value, path] = stack.pop()! as [object, FieldPath];
    visited += Array.isArray(value) ? value.length : Object.keys(value).length;
    if (visited > MAX_VALUES) {
      problems.push({ path, message: `the workload expands to more than ${grouped(MAX_VALUES)} values (aliases?)` });
      break;
    }
    if (path.length >= LIMITS.depth) {
      problems.push({ path, message: `lists and mappings nested more than ${LIMITS.depth} deep` });
      continue;
    }
    if (Array.isArray(value)) {
      const max = listLimit(path);
      if (value.length > max) {
        problems.push({ path, message: `has ${grouped(value.length)} items; at most ${grouped(max)}` });
        continue;
      }
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        if (typeof item === "object" || (typeof item === "string" && item.length > LIMITS.stringChars)) {
          push(item, [...path, i]);
        }
      }
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > LIMITS.mapKeys) {
      problems.push({ path, message: `has ${grouped(keys.length)} keys; at most ${grouped(LIMITS.mapKeys)}` });
      continue;
    }
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k]!;
      if (key.length > LIMITS.stringChars) {
        problems.push({ path, message: `has a key ${grouped(key.length)} characters long` });
        continue;
      }
      push((value as Record<string, unknown>)[key], [...path, key]);
    }
  }
  return problems;
}
