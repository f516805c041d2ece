export { holderJobArgs, mpiStepArgs, parseSbatchId, stepArgs, walltimeMinutes } from "./commands.js";
export { gpuIndicesFromGresDetail } from "./gres.js";
export { type SurroundingJob, surroundingJob } from "./job-env.js";
export { cancelLiveJobsSync, liveJobs } from "./live-jobs.js";
export { expandCounts, expandNodeList } from "./nodelist.js";
export { SlurmPlatform, type SlurmPlatformOptions } from "./slurm-platform.js";
export { parseSqueueJson, queuePosition, type SlurmJob } from "./squeue.js";
export { SrunLauncher } from "./srun-launcher.js";
