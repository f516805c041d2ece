import type { SlurmCli } from "./slurm-cli.js";

/**
 * Node name → the address processes use to reach it (Slurm's NodeAddr, from
 * `sinfo --json`). A node sinfo does not describe maps to its own name.
 */
export async function nodeAddresses(cli: SlurmCli, nodes: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>(nodes.map((n) => [n, n]));
  if (nodes.length === 0) return out;
  // Addresses are a nicety: without sinfo (or its JSON) nodes are reached by name.
  const result = await cli.run("sinfo", ["--json", `--nodes=${nodes.join(",")}`]).catch(() => undefined);
  if (result?.exitCode !== 0) return out;
  for (const [name, address] of parseSinfoAddresses(result.stdout)) if (out.has(name)) out.set(name, address);
  return out;
}

/** [name, address] for each node in `sinfo --json` output; [] when it cannot be read. */
export function parseSinfoAddresses(text: string): Array<[string, string]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const nodes = typeof data === "object" && data !== null ? (data as { nodes?: unknown }).nodes : undefined;
  if (!Array.isArray(nodes)) return [];
  const pairs: Array<[string, string]> = [];
  for (const node of nodes) {
    if (typeof node !== "object" || node === null) continue;
    const { name, address } = node as { name?: unknown; address?: unknown };
    if (typeof name === "string" && typeof address === "string" && address !== "") pairs.push([name, address]);
  }
  return pairs;
}
