/** What the Slurm tests share: the cluster's environment, and squeue checks. */
import { execFileSync } from "node:child_process";
import { describe, inject } from "vitest";
import { waitUntil } from "../helpers/processes.js";

const skip = inject("slurmSkip");

/** `describe` when the test cluster is up, else `describe.skip` (the reason was printed at setup). */
export const describeSlurm = describe.skipIf(skip !== "");

/** The environment Slurm clients and Flotilla get: the test cluster's SLURM_CONF, no surrounding job. */
export function slurmEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, SLURM_CONF: inject("slurmConf") };
  for (const key of Object.keys(env)) if (key.startsWith("SLURM_JOB") || key === "SLURM_JOBID") delete env[key];
  return env;
}

/** Ids of jobs squeue lists as pending or running (its default filter), from `--format=%i`. */
export function queuedJobs(): string[] {
  const out = execFileSync("squeue", ["--noheader", "--format=%i"], { env: slurmEnv() as NodeJS.ProcessEnv });
  return out
    .toString()
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

export async function waitForEmptyQueue(timeoutMs = 20_000): Promise<void> {
  await waitUntil(() => queuedJobs().length === 0, { what: "an empty squeue", timeoutMs, intervalMs: 200 });
}

/** Submits a job with sbatch --parsable and returns its id. */
export function sbatch(args: string[]): string {
  const out = execFileSync("sbatch", ["--parsable", ...args], { env: slurmEnv() as NodeJS.ProcessEnv });
  return out.toString().trim().split(";")[0] ?? "";
}

export function scancel(id: string): void {
  execFileSync("scancel", [id], { env: slurmEnv() as NodeJS.ProcessEnv });
}

/** Waits until squeue reports the job RUNNING (from `--format=%T`). */
export async function waitForRunning(id: string, timeoutMs = 20_000): Promise<void> {
  const state = () =>
    execFileSync("squeue", ["--noheader", "--format=%T", `--jobs=${id}`], { env: slurmEnv() as NodeJS.ProcessEnv })
      .toString()
      .trim();
  await waitUntil(() => state() === "RUNNING", { what: `job ${id} running`, timeoutMs, intervalMs: 200 });
}
