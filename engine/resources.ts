/**
 * The ground floor of placement: what an allocation holds, what one thing asks
 * of it and where it runs. Imports nothing, so every floor may use it.
 */

/** One node of an allocation, with the ids of the cores and GPUs Flotilla may use. */
export interface NodeResources {
  name: string;
  cores: number[];
  gpus: number[];
}

/** What one thing asks of the allocation. For MPI tasks the numbers are per rank. */
export interface ResourceRequest {
  cores: number;
  gpus: number;
  /** MPI ranks; absent means one process. */
  ranks?: number;
}

/** Cores and GPUs given on one node, by id. */
export interface Slot {
  node: string;
  cores: number[];
  gpus: number[];
}

/**
 * Where something runs. `node`, `cores` and `gpus` describe the first (or only)
 * slot; `slots` lists every rank's slot for MPI work (one entry per rank).
 */
export interface Placement extends Slot {
  slots: Slot[];
}
