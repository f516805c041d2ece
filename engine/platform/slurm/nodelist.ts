import { FlotillaError } from "../../errors.js";

/** Longest list one bracket range may expand to; a typo like node[1-9999999] must not eat memory. */
const MAX_NODES = 100_000;

/**
 * Expands a Slurm host list such as `node[1-4,7],gpu[01-02]-ib,login` into
 * names, keeping zero padding (`gpu[01-02]` → gpu01, gpu02) and order.
 * Several bracket groups in one name multiply (`r[1-2]n[1-2]` → 4 names).
 */
export function expandNodeList(list: string): string[] {
  const text = list.trim();
  if (text === "" || text === "(null)") return [];
  const names: string[] = [];
  for (const part of splitTopLevel(text)) {
    for (const name of expandOne(part, list)) {
      names.push(name);
      if (names.length > MAX_NODES) throw bad(list, `more than ${MAX_NODES} nodes`);
    }
  }
  return names;
}

/** Splits at commas that are not inside brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth += 1;
    else if (c === "]") depth -= 1;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function expandOne(part: string, whole: string): string[] {
  const open = part.indexOf("[");
  if (open < 0) {
    if (part.includes("]")) throw bad(whole, `unbalanced ']' in ${JSON.stringify(part)}`);
    return [part];
  }
  const close = part.indexOf("]", open);
  if (close < 0) throw bad(whole, `unbalanced '[' in ${JSON.stringify(part)}`);
  const prefix = part.slice(0, open);
  const rest = expandOne(part.slice(close + 1), whole);
  const out: string[] = [];
  for (const item of part.slice(open + 1, close).split(",")) {
    for (const suffix of rangeItems(item.trim(), whole)) {
      for (const tail of rest) out.push(`${prefix}${suffix}${tail}`);
    }
  }
  return out;
}

function rangeItems(item: string, whole: string): string[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(item);
  if (!match?.[1]) throw bad(whole, `bad range ${JSON.stringify(item)}`);
  const first = match[1];
  const last = match[2] ?? first;
  const from = Number(first);
  const to = Number(last);
  if (to < from) throw bad(whole, `range ${item} runs backwards`);
  if (to - from > MAX_NODES) throw bad(whole, `range ${item} is too long`);
  const width = first.length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(String(n).padStart(width, "0"));
  return out;
}

function bad(list: string, why: string): FlotillaError {
  return new FlotillaError("PLATFORM_UNAVAILABLE", `cannot read Slurm node list ${JSON.stringify(list)}: ${why}`, {
    context: { nodelist: list },
  });
}

/**
 * Expands Slurm's per-node count lists such as SLURM_JOB_CPUS_PER_NODE
 * (`72(x2),36`) into one number per node.
 */
export function expandCounts(value: string): number[] {
  const out: number[] = [];
  for (const part of value.split(",")) {
    const match = /^\s*(\d+)(?:\(x(\d+)\))?\s*$/.exec(part);
    if (!match?.[1]) {
      throw new FlotillaError("PLATFORM_UNAVAILABLE", `cannot read Slurm count list ${JSON.stringify(value)}`, {
        context: { value },
      });
    }
    const times = Math.min(Number(match[2] ?? 1), MAX_NODES);
    for (let i = 0; i < times; i++) out.push(Number(match[1]));
  }
  return out;
}
