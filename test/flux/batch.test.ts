/**
 * The flux platform from outside any instance: a holding `flux batch` job in
 * the "system" instance (here the test instance, which a `flux` on PATH uses
 * when FLUX_URI is unset, as a login node's flux uses the system instance).
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, inject, it } from "vitest";
import type { AllocationStateEvent } from "../../engine/events.js";
import { ProcessRegistry } from "../../engine/launch/registry.js";
import { FluxPlatform } from "../../engine/platform/flux/index.js";
import { startCli } from "../helpers/cli.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { activeJobs, describeFlux, fluxEnv, NODE_NAME, waitForNoJobs } from "./instance.js";

/** An environment outside any instance whose `flux` talks to the test instance by default. */
function loginNodeEnv(): Record<string, string> {
  const dir = tempDir();
  const flux = join(dir, "flux");
  writeFileSync(
    flux,
    `#!/bin/sh\n: "\${FLUX_URI:=${inject("fluxUri")}}"\nexport FLUX_URI\nexec "${join(inject("fluxBin"), "flux")}" "$@"\n`,
  );
  chmodSync(flux, 0o755);
  const env = fluxEnv();
  delete env.FLUX_URI;
  env.PATH = `${dir}:${env.PATH ?? ""}`;
  return env;
}

describeFlux("flux from outside an instance", () => {
  it("holds a flux batch job, runs in its instance, and cancels it on release", async () => {
    const env = loginNodeEnv();
    const platform = new FluxPlatform({ env, registry: new ProcessRegistry(), graceMs: 1_000, pollMs: 200 });
    const dir = tempDir();
    const seen: Omit<AllocationStateEvent, "type" | "platform">[] = [];
    const request = {
      nodes: 2,
      cores: 2,
      walltimeMs: 300_000,
      extraArgs: [],
      jobName: "flotilla-batch",
      sessionDir: dir,
    };
    const allocation = await platform.acquire(request, new AbortController().signal, (e) => seen.push(e));
    try {
      const jobId = seen[0]?.job_id;
      expect(jobId).toMatch(/^ƒ/);
      expect(seen.at(-1)).toMatchObject({ state: "active", job_id: jobId });
      expect(allocation.nodes).toHaveLength(2);
      // The instance's walltime is the batch job's.
      expect(allocation.deadline).toBeGreaterThan(Date.now());
      expect(activeJobs()).toEqual([jobId]);
      const node = allocation.nodes[1];
      if (!node) throw new Error("no second node");
      const slot = { node: node.name, cores: node.cores.slice(0, 1), gpus: [] };
      const lines: string[] = [];
      const record = await platform.launcher(allocation).start({
        id: "where.0",
        placement: { ...slot, slots: [slot] },
        command: ["sh", "-c", `echo "${NODE_NAME} $FLUX_JOB_ID"`],
        env: {},
        stdoutPath: join(dir, "logs", "where.0.out"),
        stderrPath: join(dir, "logs", "where.0.err"),
        onLine: (_stream, line) => lines.push(line),
      }).exited;
      expect(record.exitCode).toBe(0);
      expect(lines[0]?.split(" ")[0]).toBe(node.name);
      // The job ran in the sub-instance: the test instance lists only the batch job.
      expect(activeJobs()).toEqual([jobId]);
    } finally {
      await allocation.release();
    }
    expect(activeJobs()).toEqual([]);
  });

  it("leaves no job in the system instance when the engine is killed with SIGKILL", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
name: held
allocation: { platform: flux, nodes: 2, cores: 2, walltime: 5m }
services:
  - name: model
    replicas: 2
    cores: 1
    command: ["sh", "-c", "echo up; exec sleep 600"]
    ready: { log: "up" }
    startup_timeout: 60s
`,
    );
    const run = startCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "s")], {
      cwd: dir,
      env: loginNodeEnv(),
    });
    await waitUntil(() => (run.stdout.match(/"state":"ready"/g) ?? []).length >= 2, {
      what: "both services ready",
      timeoutMs: 90_000,
    });
    expect(activeJobs()).toHaveLength(1);
    run.child.kill("SIGKILL");
    await run.done;
    await waitForNoJobs(30_000);
    expect(readFileSync(join(dir, "s", "events.jsonl"), "utf8")).toContain('"platform":"flux"');
  });
});
