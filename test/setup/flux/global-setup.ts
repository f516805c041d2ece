/**
 * Vitest globalSetup for the `flux` project (test/flux/**): starts one real
 * 4-broker Flux instance on this machine (`flux start --test-size=4`) for all
 * Flux test files and stops it after. Flux comes from test/setup/flux.sh
 * (built from the vendored source) or PATH. Where neither is there the tests
 * are skipped with the reason printed, except under CI=true, where that is a
 * failure.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { findFlux, startInstance, stopInstance } from "../../../bench/harness/flux-instance.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Why the Flux tests cannot run here; empty when the instance is up. */
    fluxSkip: string;
    /** FLUX_URI of the test instance. */
    fluxUri: string;
    /** Directory holding the `flux` command. */
    fluxBin: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = findFlux();
  let skip = bin === undefined ? "no Flux here: test/setup/flux.sh builds it from shared/vendor/ beside the clone" : "";
  let instance: { child: ChildProcess; uri: string } | undefined;
  const dir = mkdtempSync(join(tmpdir(), "flotilla-flux-"));
  if (bin !== undefined) {
    try {
      instance = await startInstance(bin, dir);
    } catch (error) {
      skip = `the test Flux instance did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (skip !== "") {
    if (process.env.CI === "true") throw new Error(`Flux tests must run in CI, but ${skip}`);
    process.stderr.write(`\nSKIPPING Flux tests: ${skip}\n\n`);
  }
  project.provide("fluxSkip", skip);
  project.provide("fluxUri", instance?.uri ?? "");
  project.provide("fluxBin", bin ?? "");
  return async () => {
    if (instance) await stopInstance(instance.child);
    rmSync(dir, { recursive: true, force: true });
  };
}
