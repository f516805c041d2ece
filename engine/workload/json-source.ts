/**
 * The light path for JSON workloads. Generated workloads (100,000 tasks) are
 * usually JSON, and the YAML parser needs about 1 KB of memory per value to
 * keep positions; JSON.parse needs a few bytes. Positions are found only when
 * a message needs one, by one scan of the text that stops at the field.
 */
import type { FieldPath, ParsedSource, Position } from "./source-types.js";

type Visit = (path: FieldPath, valueAt: number, keyAt: number | undefined) => boolean;

interface Frame {
  object: boolean;
  /** Keys seen so far in this object (duplicates are an error, as in YAML). */
  keys: Set<string>;
}

const WS = /[ \t\n\r]*/y;

function skip(text: string, i: number): number {
  WS.lastIndex = i;
  WS.exec(text);
  return WS.lastIndex;
}

/** Index just past the scalar (string, number, true, false, null) that starts at `i`. */
function scalarEnd(text: string, i: number): number {
  if (text[i] === '"') {
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    return j + 1;
  }
  let j = i;
  while (j < text.length && !/[\s,\]}]/.test(text[j]!)) j++;
  return j;
}

/**
 * Walks valid JSON (JSON.parse accepted it) calling `visit` at every value
 * with its path; stops when `visit` returns true. Iterative: nesting costs no
 * stack. `duplicate` hears of repeated keys.
 */
function walk(text: string, visit: Visit, duplicate?: (path: FieldPath, keyAt: number) => void): void {
  const path: FieldPath = [];
  const frames: Frame[] = [];
  let i = skip(text, 0);
  let keyAt: number | undefined;
  const readKey = (frame: Frame): void => {
    const end = scalarEnd(text, i);
    const key = JSON.parse(text.slice(i, end)) as string;
    keyAt = i;
    if (frame.keys.has(key)) duplicate?.([...path, key], i);
    frame.keys.add(key);
    path.push(key);
    i = skip(text, skip(text, end) + 1); // past the ':'
  };
  // Each turn consumes at least one character: bounded by the text's length.
  while (i < text.length) {
    if (visit(path, i, keyAt)) return;
    const c = text[i];
    if (c === "{" || c === "[") {
      i = skip(text, i + 1);
      if (text[i] === "}" || text[i] === "]") i += 1;
      else {
        const frame = { object: c === "{", keys: new Set<string>() };
        frames.push(frame);
        if (frame.object) readKey(frame);
        else {
          path.push(0);
          keyAt = undefined;
        }
        continue;
      }
    } else i = scalarEnd(text, i);
    // After a value: a ',' moves to the next item; each closing bracket ends a frame.
    for (;;) {
      i = skip(text, i);
      const frame = frames.at(-1);
      if (frame === undefined) return;
      if (text[i] === ",") {
        i = skip(text, i + 1);
        const last = path.pop();
        if (frame.object) readKey(frame);
        else {
          path.push((last as number) + 1);
          keyAt = undefined;
        }
        break;
      }
      frames.pop();
      path.pop();
      i += 1;
    }
  }
}

export function parseJsonSource(text: string): ParsedSource | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined; // not JSON: the YAML parser reads it and says where it is wrong
  }
  const lineStarts: number[] = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const at = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - lineStarts[lo]! + 1 };
  };
  const syntaxErrors: ParsedSource["syntaxErrors"] = [];
  walk(
    text,
    () => false,
    (_path, keyAt) => {
      if (syntaxErrors.length < 10) syntaxErrors.push({ position: at(keyAt), message: "Map keys must be unique" });
    },
  );
  const locate = (target: FieldPath, options: { key?: boolean } = {}): Position | undefined => {
    // A missing field points at the closest thing that exists: its parent.
    let best: number | undefined;
    let bestDepth = -1;
    walk(text, (path, valueAt, keyAt) => {
      // Left the deepest match so far: a subtree is contiguous, so nothing closer follows.
      if (path.length < bestDepth) return true;
      for (let k = 0; k < bestDepth; k++) if (String(path[k]) !== String(target[k])) return true;
      if (path.length > target.length || path.length <= bestDepth) return false;
      for (let k = 0; k < path.length; k++) if (String(path[k]) !== String(target[k])) return false;
      bestDepth = path.length;
      best = path.length === target.length && options.key && keyAt !== undefined ? keyAt : valueAt;
      return path.length === target.length;
    });
    return best === undefined ? undefined : at(best);
  };
  return { data: syntaxErrors.length > 0 ? undefined : data, syntaxErrors, locate };
}
