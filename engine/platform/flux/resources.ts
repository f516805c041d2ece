/**
 * A Flux instance's resources (RFC 20 "R", version 1, as `flux resource R`
 * prints it) as Flotilla's nodes: one node per broker rank (pure).
 */
import { FlotillaError } from "../../errors.js";
import { expandNodeList } from "../slurm/nodelist.js";

/** One broker rank of the instance with the core and GPU ids Flux lists for it. */
export interface FluxRank {
  rank: number;
  host: string;
  /** Unique per rank: the host name, or `host-rank` where several brokers share the host. */
  name: string;
  cores: number[];
  gpus: number[];
}

export interface FluxResources {
  ranks: FluxRank[];
  /** Seconds since epoch at which the instance ends; undefined when unbounded. */
  expiration: number | undefined;
}

interface RLite {
  rank: string;
  children: Record<string, string>;
}

/** Parses the text of `flux resource R`. */
export function parseR(text: string): FluxResources {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw bad(`not JSON (${(error as Error).message})`);
  }
  const execution = (doc as { execution?: unknown }).execution as
    | { R_lite?: RLite[]; nodelist?: string[]; expiration?: number }
    | undefined;
  if (execution === undefined || !Array.isArray(execution.R_lite)) throw bad("no execution.R_lite");
  const byRank = new Map<number, { cores: number[]; gpus: number[] }>();
  for (const entry of execution.R_lite) {
    const cores = idset(entry.children?.core ?? "");
    const gpus = idset(entry.children?.gpu ?? "");
    for (const rank of idset(entry.rank)) byRank.set(rank, { cores, gpus });
  }
  const ranks = [...byRank.keys()].sort((a, b) => a - b);
  // The nodelist names the hosts in rank order, one per rank.
  const hosts = (execution.nodelist ?? []).flatMap((list) => expandNodeList(list));
  const count = new Map<string, number>();
  for (const host of hosts) count.set(host, (count.get(host) ?? 0) + 1);
  const out = ranks.map((rank, i): FluxRank => {
    const host = hosts[i] ?? `rank${rank}`;
    const shared = (count.get(host) ?? 0) > 1;
    const held = byRank.get(rank) ?? { cores: [], gpus: [] };
    return { rank, host, name: shared ? `${host}-${rank}` : host, ...held };
  });
  const expiration =
    typeof execution.expiration === "number" && execution.expiration > 0 ? execution.expiration : undefined;
  return { ranks: out, expiration };
}

/** Expands an RFC 22 idset such as "0-3,7". */
export function idset(text: string): number[] {
  const ids: number[] = [];
  const trimmed = text.trim();
  if (trimmed === "") return ids;
  for (const part of trimmed.split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) throw bad(`not an idset: ${JSON.stringify(text)}`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last - first > 100_000) throw bad(`not an idset: ${JSON.stringify(text)}`);
    for (let id = first; id <= last; id++) ids.push(id);
  }
  return ids;
}

/** Compresses ids into an idset string ("0-3,7"). */
export function encodeIdset(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

function bad(why: string): FlotillaError {
  return new FlotillaError("ALLOCATION_FAILED", `cannot read the Flux instance's resources: ${why}`);
}
