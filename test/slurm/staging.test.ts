/**
 * Node-local sandboxes on the test Slurm: inputs go to each node through a
 * step on it, outputs come back the same way, and the sandboxes are gone
 * afterwards. The test cluster's nodes share this machine's disk, so the
 * test proves where each sandbox was from what the step itself reports.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, slurmEnv, waitForEmptyQueue } from "./cluster.js";

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) out[k] = v;
  return out;
}

describeSlurm("staging on slurm", () => {
  afterEach(async () => {
    await waitForEmptyQueue();
  });

  it("stages inputs into node-local sandboxes on two nodes and gathers their outputs back", async () => {
    const dir = tempDir();
    const scratch = join(dir, "scratch");
    mkdirSync(join(dir, "data"), { recursive: true });
    for (const name of ["a", "b"]) writeFileSync(join(dir, "data", `${name}.csv`), `${name},1\n`);
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
allocation: { platform: slurm, nodes: 2, cores: 1, walltime: 5m, node_local: "${scratch}/{node}" }
tasks:
  - name: sim
    for_each: [a, b]
    cores: 1
    workdir: node-local
    inputs: ["data/{item}.csv"]
    outputs:
      - { from: "report-{item}.txt", to: "gathered/" }
    command: ["sh", "-c", "echo $SLURMD_NODENAME > report-{item}.txt; pwd >> report-{item}.txt; cat {item}.csv >> report-{item}.txt"]
  - name: summary
    after: [sim]
    inputs: ["gathered/*.txt"]
    outputs: [{ from: summary.txt, to: gathered/ }]
    command: ["sh", "-c", "cat report-a.txt report-b.txt > summary.txt; pwd >> summary.txt"]
`,
    );
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir, env: env() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const running = ofType(events, "task:state").filter((e) => e.task === "sim" && e.state === "running");
    expect(running).toHaveLength(2);
    // One core per node and one core per task: the two instances ran on two nodes at once.
    expect(new Set(running.map((e) => e.node)).size).toBe(2);
    for (const event of running) {
      const item = event.id.slice("sim.".length);
      const [node, cwd, data] = readFileSync(join(dir, "gathered", `report-${item}.txt`), "utf8").split("\n");
      // What the step says about itself: its node, and a sandbox under that node's own base directory.
      expect(node).toBe(event.node);
      expect(cwd).toBe(event.workdir);
      expect(cwd).toMatch(new RegExp(`^${scratch}/${event.node}/flotilla-[0-9a-f]{12}/sim\\.${item}$`));
      expect(data).toBe(`${item},1`);
      expect(event.stage_in_ms).toBeGreaterThanOrEqual(0);
      const end = ofType(events, "task:state").find((e) => e.id === event.id && e.state === "done");
      expect(end?.stage_out_ms).toBeGreaterThanOrEqual(0);
      // Removed once the outputs were back.
      expect(readdirSync(join(scratch, event.node as string))).toEqual([]);
    }
    // The task after them ran in its session sandbox (srun --chdir) and read what they gathered.
    const summary = readFileSync(join(dir, "gathered", "summary.txt"), "utf8").split("\n");
    const report = (item: string) => {
      const event = running.find((e) => e.id === `sim.${item}`);
      return [event?.node, event?.workdir, `${item},1`];
    };
    expect(summary.slice(0, 7)).toEqual([...report("a"), ...report("b"), join(session, "tasks", "summary")]);
    expect(existsSync(join(session, "staging"))).toBe(false);
    expect(queuedJobs()).toEqual([]);
  });
});
