/**
 * `platform: auto`: flux inside a Flux instance (FLUX_URI set), slurm inside
 * a Slurm job (SLURM_JOB_ID set), local otherwise. Flux comes first: an
 * instance started inside a Slurm job is the innermost manager, the one that
 * owns the resources this process sees. Later batch systems add their own
 * test here (PBS_JOBID, LSB_JOBID).
 */
export function detectPlatform(env: Record<string, string | undefined>): "local" | "slurm" | "flux" {
  const uri = env.FLUX_URI;
  if (uri !== undefined && uri.trim() !== "") return "flux";
  const job = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  return job !== undefined && job.trim() !== "" ? "slurm" : "local";
}
