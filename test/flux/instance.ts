/** What the Flux tests share: the test instance's environment, and `flux jobs` checks. */
import { execFileSync } from "node:child_process";
import { describe, inject } from "vitest";
import { waitUntil } from "../helpers/processes.js";

const skip = inject("fluxSkip");

/** `describe` when the test instance is up, else `describe.skip` (the reason was printed at setup). */
export const describeFlux = describe.skipIf(skip !== "");

/** The environment of a process inside the test instance: FLUX_URI set, `flux` on PATH, no Slurm job. */
export function fluxEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("SLURM_JOB") && key !== "SLURM_JOBID") env[key] = value;
  }
  env.FLUX_URI = inject("fluxUri");
  env.PATH = `${inject("fluxBin")}:${process.env.PATH ?? ""}`;
  return env;
}

/** Runs `flux ARGS` against the test instance and returns its stdout. */
export function flux(args: string[]): string {
  return execFileSync("flux", args, { env: fluxEnv(), encoding: "utf8", timeout: 30_000 });
}

/** Ids of the instance's active jobs (pending or running). */
export function activeJobs(): string[] {
  return flux(["jobs", "--no-header", "--format={id.f58}"])
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

export async function waitForNoJobs(timeoutMs = 30_000): Promise<void> {
  await waitUntil(() => activeJobs().length === 0, { what: "no active Flux job", timeoutMs, intervalMs: 250 });
}

/** A shell expression for the node name Flotilla gives the rank a job runs on. */
export const NODE_NAME = "$(hostname)-$(flux getattr rank)";
