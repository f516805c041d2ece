/** Inside a batch job: `sbatch --wrap` runs flotilla, which must use that job rather than ask for another. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { cliCommand } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, sbatch, waitForEmptyQueue } from "./cluster.js";

const workload = `
version: 1
name: inside
tasks:
  - name: probe
    count: 4
    cores: 1
    gpus: 1
    command: ["sh", "-c", "echo \\"on $SLURMD_NODENAME gpu=$CUDA_VISIBLE_DEVICES\\"; sleep 1"]
`;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

describeSlurm("flotilla run inside a Slurm batch job", () => {
  it("detects the job (platform auto), runs on its nodes as steps, and leaves the job to end by itself", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), workload);
    const cli = [...cliCommand(), "run", "w.yaml", "--json", "--platform", "auto", "--session-dir", "s"];
    const script = `cd ${quote(dir)} && ${cli.map(quote).join(" ")} > out.ndjson 2> err.txt; echo $? > code.txt`;
    const job = sbatch([
      "--nodes=2",
      "--ntasks-per-node=1",
      "--cpus-per-task=2",
      "--gres=gpu:2",
      "--time=5",
      `--output=${join(dir, "slurm.out")}`,
      `--wrap=${script}`,
    ]);
    await waitUntil(() => existsSync(join(dir, "code.txt")) && !queuedJobs().includes(job), {
      what: `batch job ${job} to finish`,
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    const stderr = readFileSync(join(dir, "err.txt"), "utf8");
    expect(readFileSync(join(dir, "code.txt"), "utf8").trim(), stderr).toBe("0");
    const events = parseNdjson(readFileSync(join(dir, "out.ndjson"), "utf8"));
    expect(events[0]).toMatchObject({ type: "session:start", platform: "slurm" });
    const active = ofType(events, "allocation:state").find((e) => e.state === "active");
    expect(active).toMatchObject({
      job_id: job,
      nodes: [
        { name: "node1", gpus: 2 },
        { name: "node2", gpus: 2 },
      ],
    });
    const tasks = ofType(events, "task:state");
    expect(tasks.filter((e) => e.state === "done")).toHaveLength(4);
    // Where the engine placed each task, against what its step printed about itself.
    const done = tasks.filter((e) => e.state === "scheduled");
    expect(done).toHaveLength(4);
    for (const task of done) {
      const out = readFileSync(join(dir, "s", "logs", `${task.id}.out`), "utf8");
      expect(out.trim()).toBe(`on ${task.node} gpu=${(task.gpus ?? []).join(",")}`);
    }
    expect(new Set(done.map((t) => t.node))).toEqual(new Set(["node1", "node2"]));
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 0 });
    await waitForEmptyQueue();
  });
});
