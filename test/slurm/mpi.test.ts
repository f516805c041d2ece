/** `ranks:` on Slurm: one `srun -n N` step across nodes, each rank pinned to its own GPU. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { buildMpiHello, parseHello } from "../fixtures/mpi/build.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, slurmEnv, waitForEmptyQueue } from "./cluster.js";

// Two cores per node and two per rank: the two ranks cannot share a node.
const workload = (hello: string) => `
version: 1
name: mpi
allocation: { platform: slurm, nodes: 2, cores: 2, gpus: 1, walltime: 5m }
tasks:
  - name: hello
    ranks: 2
    cores: 2
    gpus: 1
    command: ["${hello}"]
`;

describeSlurm("MPI on slurm", () => {
  it("runs an MPI hello world across 2 nodes as one srun step", async () => {
    const dir = tempDir();
    const hello = buildMpiHello(dir);
    writeFileSync(join(dir, "w.yaml"), workload(hello));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) env[k] = v;
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir, env });
    expect(result.code, `${result.stderr}\n${readFileSync(join(dir, "s", "logs", "hello.err"), "utf8")}`).toBe(0);
    const lines = parseHello(readFileSync(join(dir, "s", "logs", "hello.out"), "utf8"));
    expect(lines.map((l) => l.rank).sort()).toEqual([0, 1]);
    expect(lines.every((l) => l.size === 2 && l.sum === 1)).toBe(true);
    expect(lines.map((l) => l.node).sort()).toEqual(["node1", "node2"]);
    expect(lines.every((l) => l.gpus === "0")).toBe(true);
    expect(queuedJobs()).toEqual([]);
    await waitForEmptyQueue();
  });
});
