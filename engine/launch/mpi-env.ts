import type { Slot } from "../resources.js";

/**
 * MPI launchers start every rank with one environment, but each rank has its
 * own GPUs and cores. This wraps a rank's command in a tiny `sh` script that
 * picks the rank's entry out of FLOTILLA_RANK_* lists (by the rank variable
 * the launcher sets: SLURM_PROCID for srun, OMPI_COMM_WORLD_RANK for mpirun)
 * and exports the same pinning variables a single process gets, then execs
 * the command, so the rank's pid is the command's.
 */
const SCRIPT = [
  "r=$(( %RANK% + 1 ))",
  'pick() { printf "%s" "$1" | cut -d";" -f"$r"; }',
  'g=$(pick "$FLOTILLA_RANK_GPUS")',
  'export CUDA_VISIBLE_DEVICES="$g" HIP_VISIBLE_DEVICES="$g" ROCR_VISIBLE_DEVICES="$g" FLOTILLA_GPU_IDS="$g"',
  'export FLOTILLA_CORE_IDS="$(pick "$FLOTILLA_RANK_CORES")" FLOTILLA_NODE="$(pick "$FLOTILLA_RANK_NODES")"',
  'export FLOTILLA_RANK="$(( r - 1 ))"',
  'exec "$@"',
].join("\n");

export type RankVariable = "SLURM_PROCID" | "OMPI_COMM_WORLD_RANK";

export function rankCommand(rankVariable: RankVariable, command: readonly string[]): string[] {
  return ["sh", "-c", SCRIPT.replace("%RANK%", rankVariable), "flotilla-rank", ...command];
}

/** The per-rank lists rankCommand reads, one `;`-separated entry per rank. */
export function rankEnv(slots: readonly Slot[]): Record<string, string> {
  return {
    FLOTILLA_RANK_GPUS: slots.map((s) => s.gpus.join(",")).join(";"),
    FLOTILLA_RANK_CORES: slots.map((s) => s.cores.join(",")).join(";"),
    FLOTILLA_RANK_NODES: slots.map((s) => s.node).join(";"),
    FLOTILLA_RANKS: String(slots.length),
  };
}
