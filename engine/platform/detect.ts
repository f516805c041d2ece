/**
 * `platform: auto`: slurm when this process runs inside a Slurm job (Slurm
 * set SLURM_JOB_ID), local otherwise. Later batch systems add their own test
 * here (PBS_JOBID, LSB_JOBID, FLUX_JOB_ID).
 */
export function detectPlatform(env: Record<string, string | undefined>): "local" | "slurm" {
  const job = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  return job !== undefined && job.trim() !== "" ? "slurm" : "local";
}
