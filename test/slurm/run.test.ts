/** `flotilla run --platform slurm` end to end on the test cluster: the CLI, the engine, srun steps. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.js";
import { assertNoDoubleBooking, ofType, parseNdjson } from "../helpers/events.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, sbatch, scancel, slurmEnv, waitForEmptyQueue, waitForRunning } from "./cluster.js";

const spread = `
version: 1
name: spread
allocation: { platform: slurm, nodes: 4, cores: 2, gpus: 1, walltime: 5m }
services:
  - name: model
    replicas: 4
    cores: 1
    gpus: 1
    command: ["sh", "-c", "echo \\"sees $SLURMD_NODENAME gpu=$CUDA_VISIBLE_DEVICES\\"; exec sleep 600"]
    ready: { log: "sees (\\\\S+)" }
    startup_timeout: 30s
tasks:
  - name: client
    count: 4
    cores: 1
    uses: [model]
    command: ["sh", "-c", "echo \\"on $SLURMD_NODENAME gpu=[$CUDA_VISIBLE_DEVICES]\\""]
`;

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) out[k] = v;
  return out;
}

describeSlurm("flotilla run on slurm", () => {
  afterEach(async () => {
    await waitForEmptyQueue();
  });

  it("spreads services over the nodes, each step seeing only its own GPU, and cancels the job when done", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), spread);
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir, env: env() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const allocation = ofType(events, "allocation:state");
    // pending once submitted, again whenever Slurm's reason or the position changes.
    expect([...new Set(allocation.map((e) => e.state))]).toEqual(["pending", "active", "released"]);
    const active = allocation.find((e) => e.state === "active");
    expect(active?.job_id).toMatch(/^\d+$/);
    expect(active?.nodes).toHaveLength(4);
    expect(active?.deadline).toBeGreaterThan(Date.now());

    const ready = ofType(events, "service:state").filter((e) => e.state === "ready");
    expect(ready).toHaveLength(4);
    expect(new Set(ready.map((e) => e.node)).size).toBe(4);
    for (const instance of ready) {
      // What the step printed about itself, against where the engine says it put it.
      const out = readFileSync(join(session, "logs", `model.${instance.instance}.out`), "utf8");
      expect(out).toContain(`sees ${instance.node} gpu=${instance.gpus.join(",")}`);
    }
    const clients = readFileSync(join(session, "logs", "client.0.out"), "utf8");
    expect(clients).toMatch(/^on node\d gpu=\[\]$/m);
    assertNoDoubleBooking(events);
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 0 });
    expect(queuedJobs()).toEqual([]);
  });

  it("shows a request that does not fit as pending, and cancels it on SIGINT", async () => {
    const blocker = sbatch(["--nodes=4", "--gres=gpu:4", "--time=5", "--output=/dev/null", "--wrap=exec sleep 300"]);
    try {
      await waitForRunning(blocker);
      const dir = tempDir();
      writeFileSync(join(dir, "w.yaml"), spread);
      const run = startCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "s")], { cwd: dir, env: env() });
      // Slurm gives its reason on its first scheduling pass after the submission.
      await run.waitForOutput(/"state":"pending"[^\n]*"reason":"(Resources|Priority)"[^\n]*"queue_position":1/);
      expect(queuedJobs()).toHaveLength(2);
      run.child.kill("SIGINT");
      const result = await run.done;
      expect(result.code).toBe(130);
      const states = ofType(parseNdjson(result.stdout), "allocation:state");
      expect(states.filter((e) => e.state === "pending").at(-1)).toMatchObject({ queue_position: 1 });
      expect(states.at(-1)?.state).toBe("failed");
      expect(queuedJobs()).toEqual([blocker]);
    } finally {
      scancel(blocker);
    }
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("cancels a granted allocation with its steps on %s", async (signal, code) => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), spread);
    const run = startCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "s")], { cwd: dir, env: env() });
    await run.waitForOutput(/"type":"service:state"[^\n]*"state":"ready"/);
    run.child.kill(signal);
    const result = await run.done;
    expect(result.code).toBe(code);
    expect(ofType(parseNdjson(result.stdout), "allocation:state").at(-1)?.state).toBe("released");
    expect(queuedJobs()).toEqual([]);
  });

  it("still cancels the job when a second SIGINT asks to kill everything at once", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), spread);
    const run = startCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "s")], { cwd: dir, env: env() });
    await run.waitForOutput(/"type":"service:state"[^\n]*"state":"ready"/);
    run.child.kill("SIGINT");
    // Two signals sent back to back may be delivered as one: send the second once the first was seen.
    await waitUntil(() => run.stderr.includes("SIGINT received, stopping"), { what: "the first SIGINT" });
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("SIGINT received again, killing everything now");
    await waitForEmptyQueue(10_000);
  });
});
