/**
 * Vitest globalSetup for the `slurm` project (test/slurm/**): starts the
 * 4-node localhost cluster once for all Slurm test files and stops it after.
 * Where Slurm cannot start (not root, packages missing) the tests are skipped
 * with the reason printed, except under CI=true, where that is a failure.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Why the Slurm tests cannot run here; empty when the cluster is up. */
    slurmSkip: string;
    /** SLURM_CONF of the test cluster. */
    slurmConf: string;
  }
}

const script = join(dirname(fileURLToPath(import.meta.url)), "cluster.sh");
export const SLURM_DIR = process.env.FLOTILLA_SLURM_DIR ?? "/tmp/flotilla-slurm";

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "the test cluster needs root (slurmd and munged)";
  for (const daemon of ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged"]) {
    if (!existsSync(daemon)) return `${daemon} is not installed (run test/setup/install.sh)`;
  }
  return undefined;
}

function cluster(action: "start" | "stop"): void {
  execFileSync("bash", [script, action], {
    env: { ...process.env, FLOTILLA_SLURM_DIR: SLURM_DIR },
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 120_000,
  });
}

export default function setup(project: TestProject): () => void {
  const conf = join(SLURM_DIR, "slurm.conf");
  let skip = unavailable();
  if (skip === undefined) {
    try {
      cluster("start");
    } catch (error) {
      skip = `the test cluster did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (skip !== undefined) {
    if (process.env.CI === "true") throw new Error(`Slurm tests must run in CI, but ${skip}`);
    process.stderr.write(`\nSKIPPING Slurm tests: ${skip}\n\n`);
  }
  project.provide("slurmSkip", skip ?? "");
  project.provide("slurmConf", conf);
  return () => {
    if (skip === undefined) cluster("stop");
  };
}
