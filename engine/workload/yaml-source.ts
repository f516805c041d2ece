/**
 * YAML with positions, bounded. The parser keeps about 2 KB per value at its
 * peak and recurses per nesting level, and aliases can make a small file expand to
 * gigabytes ("billion laughs"). So a cheap lexer pass counts values, aliases
 * and flow nesting first, and the document is walked for depth before it
 * becomes plain data.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  type ParsedNode,
  parseDocument,
} from "yaml";
import { clip, grouped, LIMITS } from "./limits.js";
import type { FieldPath, ParsedSource, Position, SourceProblem } from "./source-types.js";

/** Lexer tokens that are markers, not source text (they take no room in the file). */
const MARKERS = new Set(["\x02", "\x18", "\x1f"]);
/** First characters of tokens that start a value: plain scalar marker, quoted, block scalar, flow collection, alias. */
const VALUE_STARTS = new Set(["\x1f", '"', "'", "|", ">", "{", "["]);

const tooDeep = `lists and mappings nested more than ${LIMITS.depth} deep`;

/** The first limit the text exceeds, found without building anything. */
function prescan(text: string): { offset: number; message: string } | undefined {
  let offset = 0;
  let values = 0;
  let aliases = 0;
  let flowDepth = 0;
  // The lexer is a generator over the text: bounded by its length, and it holds no tree.
  for (const token of new Lexer().lex(text)) {
    const first = token[0] ?? "";
    if (VALUE_STARTS.has(first) && ++values > LIMITS.yamlValues) {
      return {
        offset,
        message:
          `more than ${grouped(LIMITS.yamlValues)} values in a YAML workload; ` +
          "write a workload this large as JSON, which is read with far less memory",
      };
    }
    if (first === "*" && ++aliases > LIMITS.yamlAliases) {
      return { offset, message: `more than ${grouped(LIMITS.yamlAliases)} aliases (*name)` };
    }
    if (first === "{" || first === "[") flowDepth++;
    else if (first === "}" || first === "]") flowDepth--;
    if (flowDepth > LIMITS.depth) return { offset, message: tooDeep };
    if (!MARKERS.has(token)) offset += token.length;
  }
  return undefined;
}

/** Deepest nesting, and the first alias, of a composed document; iterative, so depth costs no stack. */
function shape(root: unknown): { tooDeepAt?: Node; firstAlias?: Node } {
  const stack: [unknown, number][] = [[root, 0]];
  let firstAlias: Node | undefined;
  // Each node is pushed once (aliases are not followed): bounded by the document's size.
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (isAlias(node)) {
      if (firstAlias === undefined || (node.range?.[0] ?? 0) < (firstAlias.range?.[0] ?? 0)) firstAlias = node;
    } else if (isMap(node) || isSeq(node)) {
      if (depth >= LIMITS.depth) return { tooDeepAt: node };
      for (const item of node.items) {
        if (isPair(item)) {
          stack.push([item.key, depth + 1], [item.value, depth + 1]);
        } else stack.push([item, depth + 1]);
      }
    }
  }
  return firstAlias === undefined ? {} : { firstAlias };
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

function message(code: string, text: string): string {
  if (code === "MULTIPLE_DOCS") return "the file holds more than one document (---); a workload is one document";
  // The parser catches its own stack overflow on deep block nesting and reports it as an error.
  if (/call stack/i.test(text)) return tooDeep;
  // The library's messages can quote the source; keep the first line, and not much of it.
  return clip(text.split("\n")[0] ?? text, 200);
}

export function parseYamlSource(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  const failed = (problems: SourceProblem[]): ParsedSource => ({
    data: undefined,
    syntaxErrors: problems,
    locate: () => undefined,
  });
  const over = prescan(text);
  if (over !== undefined) {
    // Only line numbers are needed here: count newlines up to the offset, not a whole parse.
    const before = text.slice(0, over.offset);
    const line = before.split("\n").length;
    return failed([{ position: { line, col: over.offset - before.lastIndexOf("\n") }, message: over.message }]);
  }
  let doc: ReturnType<typeof parseDocument<ParsedNode, false>>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    // Block nesting (which the lexer pass cannot see) deep enough to exhaust the stack.
    if (error instanceof RangeError) return failed([{ message: tooDeep }]);
    throw error;
  }
  const syntaxErrors: SourceProblem[] = doc.errors.map((error) => ({
    position: at(error.pos[0]),
    message: message(error.code, error.message),
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
  if (syntaxErrors.length > 0) return { data: undefined, syntaxErrors, locate };

  const { tooDeepAt, firstAlias } = shape(doc.contents);
  const position = (node: Node | undefined) => (node?.range ? { position: at(node.range[0]) } : {});
  if (tooDeepAt !== undefined)
    return { data: undefined, syntaxErrors: [{ ...position(tooDeepAt), message: tooDeep }], locate };
  try {
    return { data: doc.toJS({ maxAliasCount: LIMITS.yamlAliasExpansion }), syntaxErrors, locate };
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const why = /excessive alias/i.test(error.message)
      ? "aliases expand to too much data (a guard against alias bombs); write the values out instead"
      : message("", error.message);
    return { data: undefined, syntaxErrors: [{ ...position(firstAlias), message: why }], locate };
  }
}
