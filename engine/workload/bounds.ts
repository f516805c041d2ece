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

/**
 * One open list or mapping. Only the frames from the root to the current
 * value exist at once (at most LIMITS.depth), and a path is built only for a
 * problem: a million tasks cost no million paths.
 */
interface Frame {
  value: object;
  /** Keys of a mapping; undefined for a list. */
  keys: string[] | undefined;
  length: number;
  next: number;
  path: FieldPath;
}

export function boundsProblems(data: unknown): Problem[] {
  const problems: Problem[] = [];
  const open = (value: object, path: FieldPath): Frame | undefined => {
    if (path.length >= LIMITS.depth) {
      problems.push({ path, message: `lists and mappings nested more than ${LIMITS.depth} deep` });
      return undefined;
    }
    if (Array.isArray(value)) {
      const max = listLimit(path);
      if (value.length <= max) return { value, keys: undefined, length: value.length, next: 0, path };
      problems.push({ path, message: `has ${grouped(value.length)} items; at most ${grouped(max)}` });
      return undefined;
    }
    const keys = Object.keys(value);
    if (keys.length <= LIMITS.mapKeys) return { value, keys, length: keys.length, next: 0, path };
    problems.push({ path, message: `has ${grouped(keys.length)} keys; at most ${grouped(LIMITS.mapKeys)}` });
    return undefined;
  };
  if (data === null || typeof data !== "object") return problems;
  const root = open(data, []);
  const stack: Frame[] = root === undefined ? [] : [root];
  let visited = 0;
  // Each turn visits one value or closes one frame; MAX_VALUES bounds the values
  // even when aliases share data, and LIMITS.depth stops a cycle.
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const frame = stack.at(-1)!;
    if (frame.next >= frame.length) {
      stack.pop();
      continue;
    }
    const i = frame.next++;
    const key = frame.keys === undefined ? i : frame.keys[i]!;
    if (++visited > MAX_VALUES) {
      problems.push({ path: frame.path, message: `expands to more than ${grouped(MAX_VALUES)} values (aliases?)` });
      break;
    }
    if (typeof key === "string" && key.length > LIMITS.stringChars) {
      problems.push({ path: frame.path, message: `has a key ${grouped(key.length)} characters long` });
      continue;
    }
    const value: unknown = (frame.value as Record<string | number, unknown>)[key];
    if (typeof value === "string" && value.length > LIMITS.stringChars) {
      problems.push({
        path: [...frame.path, key],
        message: `is ${grouped(value.length)} characters long; at most ${grouped(LIMITS.stringChars)}`,
      });
    } else if (value !== null && typeof value === "object") {
      const child = open(value, [...frame.path, key]);
      if (child !== undefined) stack.push(child);
    }
  }
  return problems;
}
