/**
 * The parsed workload text with positions kept, so every error can say
 * FILE:LINE:COL. YAML 1.2 is a superset of JSON, so the YAML parser could read
 * both; JSON gets its own lighter path because generated workloads are big.
 */
import { parseJsonSource } from "./json-source.js";
import type { FieldPath, ParsedSource } from "./source-types.js";
import { parseYamlSource } from "./yaml-source.js";

export type { FieldPath, ParsedSource, Position, SourceProblem } from "./source-types.js";

/** JSON takes the light path when it is JSON; everything else (and broken JSON, for its error positions) is YAML. */
export function parseSource(text: string): ParsedSource {
  if (/^\s*[[{]/.test(text)) {
    const json = parseJsonSource(text);
    if (json !== undefined) return json;
  }
  return parseYamlSource(text);
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
