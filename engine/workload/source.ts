/**
 * The parsed workload text with positions kept, so every error can say
 * FILE:LINE:COL. YAML 1.2 is a superset of JSON, so one parser reads both.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

export type FieldPath = (string | number)[];

export interface Position {
  line: number;
  col: number;
}

export interface SourceProblem {
  position?: Position;
  message: string;
}

export interface ParsedSource {
  data: unknown;
  /** YAML syntax errors; `data` is unusable when there are any. */
  syntaxErrors: SourceProblem[];
  /** Where the value at `path` is (or the key itself, with `key: true`). */
  locate(path: FieldPath, options?: { key?: boolean }): Position | undefined;
}

function childOf(node: unknown, step: string | number): { key?: Node; value?: Node } | undefined {
  if (isSeq(node) && typeof step === "number") {
    const item = node.items[step];
    return item === undefined ? undefined : { value: item as Node };
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(key) === String(step)) {
        return { key: pair.key as Node, ...(pair.value ? { value: pair.value as Node } : {}) };
      }
    }
  }
  return undefined;
}

export function parseSource(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  const syntaxErrors = doc.errors.map((error) => ({
    position: at(error.pos[0]),
    message: error.message.split("\n")[0] ?? error.message,
  }));

  const locate = (path: FieldPath, options: { key?: boolean } = {}): Position | undefined => {
    let node: unknown = doc.contents;
    let last: Node | undefined = doc.contents ?? undefined;
    for (const [index, step] of path.entries()) {
      const child = childOf(node, step);
      // A missing field points at the closest thing that exists: its parent.
      if (!child) break;
      const isLast = index === path.length - 1;
      if (isLast && options.key && child.key) {
        last = child.key;
        break;
      }
      const next = child.value ?? child.key;
      if (!next) break;
      last = next;
      node = next;
    }
    const range = last?.range;
    return range ? at(range[0]) : undefined;
  };

  const data = syntaxErrors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 1_000 });
  return { data, syntaxErrors, locate };
}

/** `services[0].replicas`: the JS-ish path users know from the file. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else out += out === "" ? step : `.${step}`;
  }
  return out === "" ? "(top level)" : out;
}

/** The value at `path` in plain data, for messages like `got "two"`. */
export function valueAt(data: unknown, path: FieldPath): unknown {
  let value: unknown = data;
  for (const step of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}
