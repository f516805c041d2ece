/** `launcher: flux` on Slurm: a Flux instance across the job, every service and task one of its jobs. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { findFlux } from "../../bench/harness/flux-instance.js";
import { runCli } from "../helpers/cli.js";
import { assertNoDoubleBooking, ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, slurmEnv, waitForEmptyQueue } from "./cluster.js";

const bin = findFlux();
if (bin === undefined) {
  if (process.env.CI === "true") throw new Error("launcher: flux must be tested in CI, but there is no Flux");
  process.stderr.write("\nSKIPPING launcher: flux on Slurm: no Flux here (test/setup/flux.sh builds it)\n\n");
}

const workload = `
version: 1
name: flux-in-slurm
allocation: { platform: slurm, launcher: flux, nodes: 4, cores: 2, gpus: 1, walltime: 5m }
services:
  - name: model
    replicas: 4
    cores: 1
    gpus: 1
    command: ["sh", "-c", "echo \\"sees rank=$(flux getattr rank) gpu=$CUDA_VISIBLE_DEVICES\\"; exec sleep 600"]
    ready: { log: "sees" }
    startup_timeout: 60s
tasks:
  - name: client
    count: 8
    cores: 1
    uses: [model]
    command: ["sh", "-c", "echo \\"on rank=$(flux getattr rank) job=$FLUX_JOB_ID\\""]
`;

(bin === undefined ? describe.skip : describeSlurm)("launcher: flux on slurm", () => {
  it("starts Flux across the job, runs everything as Flux jobs on the chosen nodes, and cancels the job", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), workload);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) env[k] = v;
    env.PATH = `${bin}:${env.PATH ?? ""}`;
    const session = join(dir, "s");
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const events = parseNdjson(result.stdout);
    const active = ofType(events, "allocation:state").find((e) => e.state === "active");
    expect(active?.reason).toMatch(/launching through Flux instance local:\/\//);
    expect(active?.nodes.map((n) => n.name)).toEqual(["node1", "node2", "node3", "node4"]);
    const ready = ofType(events, "service:state").filter((e) => e.state === "ready");
    expect(new Set(ready.map((e) => e.node)).size).toBe(4);
    for (const instance of ready) {
      // The broker that ran it, by the rank each broker recorded for its Slurm node.
      const out = readFileSync(join(session, "logs", `model.${instance.instance}.out`), "utf8");
      const rank = /sees rank=(\d+) gpu=(\S*)/.exec(out);
      expect(readFileSync(join(session, `flux-rank.${rank?.[1]}`), "utf8").trim()).toBe(instance.node);
      expect(rank?.[2]).toBe(instance.gpus.join(","));
    }
    // Flux jobs, not srun steps: each client has a Flux job id.
    expect(readFileSync(join(session, "logs", "client.0.out"), "utf8")).toMatch(/^on rank=\d job=ƒ\S+$/m);
    assertNoDoubleBooking(events);
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 0 });
    expect(queuedJobs()).toEqual([]);
    // The instance was shut down, not killed: rank 0's broker removed its run directory.
    const uri = readFileSync(join(session, "flux-uri"), "utf8").trim();
    expect(uri).toMatch(/^local:\/\//);
    expect(existsSync(dirname(uri.slice("local://".length)))).toBe(false);
    await waitForEmptyQueue();
  });
});
