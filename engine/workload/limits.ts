/**
 * Hard limits on workload input (docs/reliability.md, "Bounded input").
 * Each sits well above any real machine or workload and well below what would
 * exhaust memory or time, so a typo or a hostile file gets a clear error
 * instead of a crash. Checked before anything is expanded or allocated.
 */
export const LIMITS = {
  /** Bytes in a workload file. A 100,000-task JSON workload is ~7 MB. */
  fileBytes: 16 * 1024 * 1024,
  /**
   * Values (scalars and collections) in a YAML file. The YAML parser keeps
   * about 2 KB per value at its peak while it builds positions; this keeps a
   * YAML file under ~350 MB (about 25,000 small tasks). JSON files take a
   * lighter path and have no limit beyond fileBytes.
   */
  yamlValues: 150_000,
  /** Alias references in a YAML file; each is resolved by a walk over the anchors. */
  yamlAliases: 1_000,
  /** The yaml library's own bound on the data aliases expand to (maxAliasCount). */
  yamlAliasExpansion: 1_000,
  /** Nesting of lists and mappings. The schema itself needs 5. */
  depth: 32,
  /** Items in one list other than tasks and for_each (commands, endpoints, uses, extra_args). */
  listItems: 10_000,
  /** Keys in one mapping (env). */
  mapKeys: 10_000,
  /** Service, task and workload names: they end up in ids, file names and job names (255 bytes at most). */
  nameChars: 64,
  /** A for_each item: part of an instance id and its log file names. */
  itemChars: 128,
  /** Any other string: Linux refuses a single argument or variable longer than 128 KiB (MAX_ARG_STRLEN). */
  stringChars: 131_072,
  /** Nodes: above the largest machine by node count (Fugaku, 158,976). */
  nodes: 200_000,
  /** Cores per node: above the largest shared-memory nodes with SMT (~1,800 threads). */
  coresPerNode: 4_096,
  /** GPUs per node: servers hold 4-16; a rack-scale NVLink domain 72-576. */
  gpusPerNode: 1_024,
  /** Service instances in all (replicas summed): each is a process and a host process. */
  serviceInstances: 100_000,
  /** Task processes in all after expansion (count, for_each items; an MPI rank counts as one). */
  taskProcesses: 1_000_000,
} as const;

/** A value shortened for a message: never echo megabytes back. */
export function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** 1234567 → "1,234,567" (fixed locale: messages are compared in tests and scripts). */
export function grouped(n: number): string {
  return n.toLocaleString("en-US");
}
