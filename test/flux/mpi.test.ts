/** `ranks:` on Flux: one job of N tasks across brokers, each rank pinned to its own GPU. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { buildMpiHello, parseHello } from "../fixtures/mpi/build.js";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";
import { activeJobs, describeFlux, fluxEnv, NODE_NAME } from "./instance.js";

// Two cores per broker and two per rank: the two ranks cannot share a node.
const workload = (hello: string) => `
version: 1
name: mpi
allocation: { platform: flux, nodes: 2, cores: 2, gpus: 1 }
tasks:
  - name: hello
    ranks: 2
    cores: 2
    gpus: 1
    command: ["sh", "-c", "echo \\"placed $FLOTILLA_RANK $FLOTILLA_NODE ${NODE_NAME}\\"; exec \\"$0\\"", "${hello}"]
`;

describeFlux("MPI on flux", () => {
  it("runs an MPI hello world across 2 Flux nodes as one job", async () => {
    const dir = tempDir();
    const hello = buildMpiHello(dir);
    writeFileSync(join(dir, "w.yaml"), workload(hello));
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir, env: fluxEnv() });
    expect(result.code, result.stderr).toBe(0);
    const out = readFileSync(join(dir, "s", "logs", "hello.out"), "utf8");
    const lines = parseHello(out);
    // Where Flux really ran each rank (its broker), against where the engine placed it.
    const placed = [...out.matchAll(/^placed (\d) (\S+) (\S+)$/gm)];
    expect(placed).toHaveLength(2);
    for (const [, , planned, actual] of placed) expect(actual).toBe(planned);
    expect(lines.map((l) => l.rank).sort()).toEqual([0, 1]);
    expect(lines.every((l) => l.size === 2 && l.sum === 1)).toBe(true);
    const nodes = ofType(parseNdjson(result.stdout), "allocation:state")
      .find((e) => e.state === "active")
      ?.nodes.map((n) => n.name);
    // Rank r runs on the node the engine placed it on, with that node's GPU.
    expect(lines.sort((a, b) => a.rank - b.rank).map((l) => l.node)).toEqual(nodes);
    expect(lines.every((l) => l.gpus === "0")).toBe(true);
    expect(activeJobs()).toEqual([]);
  });
});
