/**
 * Autoscaling on the 4-node test Slurm: instances added under a burst are
 * srun steps on GPUs of other nodes, and
 * drain back to one when the burst is over, with every request answered
 * once; a GPU task that waits behind them starts after a drain.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { aliveRange, answeredOnce, promptLines, scales } from "../helpers/autoscale.js";
import { runCli } from "../helpers/cli.js";
import { assertNoDoubleBooking, ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, slurmEnv, waitForEmptyQueue } from "./cluster.js";

const workload = `
version: 1
name: autoscale
allocation: { platform: slurm, nodes: 4, cores: 2, gpus: 1, walltime: 5m }
services:
  - name: llm
    backend: noop
    delay: { mean_ms: 40 }
    cores: 1
    gpus: 1
    startup_timeout: 60s
    autoscale: { min: 1, max: 4, target_outstanding: 4, up_after: 500ms, down_after: 1s, drain_timeout: 20s }
tasks:
  - name: burst
    service: llm
    requests: burst.jsonl
    concurrency: 32
  - name: trickle
    service: llm
    requests: trickle.jsonl
    concurrency: 3
    after: [burst]
  # Every GPU of the allocation is held by an instance when the burst ends.
  - name: gpujob
    command: ["sh", "-c", "echo gpu=$CUDA_VISIBLE_DEVICES"]
    cores: 0
    gpus: 1
    after: [burst]
  - name: quiet
    command: ["sleep", "4"]
    cores: 0
    after: [trickle]
`;

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) out[k] = v;
  return out;
}

describeSlurm("autoscale on slurm", () => {
  afterEach(async () => {
    await waitForEmptyQueue();
  });

  it("grows over the nodes under a burst, drains back to one, and lets a waiting GPU task in", async () => {
    const dir = tempDir("flotilla-autoscale-slurm-");
    writeFileSync(join(dir, "w.yaml"), workload);
    writeFileSync(join(dir, "burst.jsonl"), promptLines(800));
    writeFileSync(join(dir, "trickle.jsonl"), promptLines(150));
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const events = parseNdjson(result.stdout);
    assertNoDoubleBooking(events);

    const history = scales(events, "llm");
    expect(Math.max(...history.map((e) => e.to))).toBeGreaterThanOrEqual(3);
    expect(history.at(-1)?.to).toBe(1);
    for (const e of history) {
      expect(e.to).toBeGreaterThanOrEqual(1);
      expect(e.to).toBeLessThanOrEqual(4);
    }
    const range = aliveRange(events, "llm");
    expect(range.most).toBeLessThanOrEqual(4);
    expect(range.fewest).toBeGreaterThanOrEqual(1);
    // The added instances ran on other nodes.
    const ready = ofType(events, "service:state").filter((e) => e.service === "llm" && e.state === "ready");
    expect(new Set(ready.map((e) => e.node)).size).toBeGreaterThanOrEqual(3);

    const burst = answeredOnce(session, "burst", "llm", 800);
    const trickle = answeredOnce(session, "trickle", "llm", 150);
    expect([...burst.problems, ...trickle.problems]).toEqual([]);

    const gpujob = ofType(events, "task:state").filter((e) => e.id === "gpujob");
    const waited = gpujob.find((e) => e.state === "pending" && e.waiting_for?.resources === true);
    const running = gpujob.find((e) => e.state === "running");
    expect(waited).toBeDefined();
    expect(running?.gpus).toHaveLength(1);
    const firstDown = history.find((e) => e.reason === "load_low");
    expect(firstDown?.seq ?? Number.POSITIVE_INFINITY).toBeLessThan(running?.seq ?? 0);
    expect(gpujob.at(-1)?.state).toBe("done");
    expect(queuedJobs()).toEqual([]);
  }, 300_000);
});
