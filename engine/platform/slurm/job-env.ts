import { FlotillaError } from "../../errors.js";
import { expandCounts, expandNodeList } from "./nodelist.js";

/** The Slurm job this process runs inside, from the variables Slurm sets. */
export interface SurroundingJob {
  id: string;
  nodes: string[];
  /** CPUs on each node, in node order. */
  cpus: number[];
  /** GPU ids on the node this process runs on (SLURM_JOB_GPUS), when Slurm says. */
  localGpus: number[] | undefined;
  /** GPUs per node (SLURM_GPUS_ON_NODE), when Slurm says. */
  gpusPerNode: number | undefined;
}

/** Undefined outside a job (no SLURM_JOB_ID). */
export function surroundingJob(env: Record<string, string | undefined>): SurroundingJob | undefined {
  const id = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  if (id === undefined || id.trim() === "") return undefined;
  const list = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (list === undefined) {
    throw new FlotillaError("PLATFORM_UNAVAILABLE", `inside Slurm job ${id} but SLURM_JOB_NODELIST is not set`, {
      context: { job_id: id },
    });
  }
  const nodes = expandNodeList(list);
  const perNode = env.SLURM_JOB_CPUS_PER_NODE;
  let cpus = perNode === undefined ? [] : expandCounts(perNode);
  if (cpus.length !== nodes.length) {
    const here = Number(env.SLURM_CPUS_ON_NODE ?? "1");
    cpus = nodes.map(() => (Number.isInteger(here) && here > 0 ? here : 1));
  }
  const gpusOnNode = env.SLURM_GPUS_ON_NODE === undefined ? undefined : Number(env.SLURM_GPUS_ON_NODE);
  return {
    id: id.trim(),
    nodes,
    cpus,
    localGpus: idList(env.SLURM_JOB_GPUS ?? env.SLURM_STEP_GPUS),
    gpusPerNode: gpusOnNode !== undefined && Number.isInteger(gpusOnNode) ? gpusOnNode : undefined,
  };
}

function idList(value: string | undefined): number[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const parts = value.split(",").map((p) => p.trim());
  return parts.every((p) => /^\d+$/.test(p)) ? parts.map(Number) : undefined;
}
