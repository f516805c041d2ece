import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import type { AllocationStateEvent } from "../../engine/events.js";
import { SlurmPlatform } from "../../engine/platform/slurm/index.js";
import type { Allocation, AllocationRequest, LaunchSpec } from "../../engine/platform/types.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, sbatch, scancel, slurmEnv, waitForEmptyQueue, waitForRunning } from "./cluster.js";

type Seen = Omit<AllocationStateEvent, "type" | "platform">;

function request(dir: string, more: Partial<AllocationRequest> = {}): AllocationRequest {
  return {
    nodes: 2,
    cores: 2,
    gpus: 2,
    walltimeMs: 300_000,
    extraArgs: [],
    jobName: "flotilla-test",
    sessionDir: dir,
    ...more,
  };
}

function platform(): SlurmPlatform {
  return new SlurmPlatform({ env: slurmEnv(), pollMs: 200, graceMs: 1_000 });
}

describeSlurm("slurm platform (login-node mode)", () => {
  const held: Allocation[] = [];
  afterEach(async () => {
    for (const allocation of held.splice(0)) await allocation.release();
    await waitForEmptyQueue();
  });

  it("acquires a holder job, reports it active with nodes, GPUs and deadline, and cancels it on release", async () => {
    const dir = tempDir();
    const seen: Seen[] = [];
    const before = Date.now();
    const allocation = await platform().acquire(request(dir), new AbortController().signal, (e) => seen.push(e));
    held.push(allocation);
    expect(seen[0]).toMatchObject({ state: "pending", job_id: allocation.jobId });
    const active = seen.at(-1);
    expect(active).toMatchObject({ state: "active", job_id: allocation.jobId });
    expect(active?.nodes).toHaveLength(2);
    expect(allocation.nodes.map((n) => n.gpus)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(allocation.nodes.every((n) => n.cores.length === 2)).toBe(true);
    // Slurm's end time: start + the 5-minute limit, to the second.
    expect(allocation.deadline).toBeGreaterThanOrEqual(before - 1_000 + 300_000);
    expect(allocation.deadline).toBeLessThanOrEqual(Date.now() + 300_000 + 1_000);
    expect(queuedJobs()).toEqual([allocation.jobId]);
    await allocation.release();
    expect(queuedJobs()).toEqual([]);
  });

  it("runs steps side by side on different nodes, each seeing only the GPU ids it was given", async () => {
    const dir = tempDir();
    const slurm = platform();
    const allocation = await slurm.acquire(request(dir), new AbortController().signal, () => {});
    held.push(allocation);
    const launcher = slurm.launcher(allocation);
    const lines = new Map<string, string[]>();
    const barrier = join(dir, "barrier");
    const count = allocation.nodes.reduce((n, node) => n + node.gpus.length, 0);
    const specs: LaunchSpec[] = allocation.nodes.flatMap((node) =>
      node.gpus.map((gpu, i) => {
        const id = `svc.${node.name}.${gpu}`;
        const slot = { node: node.name, cores: [i], gpus: [gpu] };
        lines.set(id, []);
        return {
          id,
          placement: { ...slot, slots: [slot] },
          // A barrier: each step checks in, then waits (at most 30 s, else exit 9) until all
          // four have: only steps that are alive at the same time can all exit 0.
          command: [
            "sh",
            "-c",
            `echo "$SLURMD_NODENAME|$CUDA_VISIBLE_DEVICES|$FLOTILLA_GPU_IDS|$SLURM_GPUS_ON_NODE|$MARK"
            touch "${barrier}.$MARK"; i=0
            while [ "$(ls "${barrier}".* 2>/dev/null | wc -l)" -lt ${count} ]; do
              i=$((i+1)); [ $i -gt 300 ] && exit 9; sleep 0.1; done`,
          ],
          env: { MARK: id },
          stdoutPath: join(dir, `${id}.out`),
          stderrPath: join(dir, `${id}.err`),
          onLine: (_s: "stdout" | "stderr", line: string) => lines.get(id)?.push(line),
        };
      }),
    );
    const records = await Promise.all(specs.map((s) => launcher.start(s).exited));
    expect(count).toBe(4);
    expect(records.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
    for (const spec of specs) {
      // Slurm granted the step one GPU (SLURM_GPUS_ON_NODE); the ids are the scheduler's.
      const gpu = String(spec.placement.gpus[0]);
      expect(lines.get(spec.id)).toEqual([`${spec.placement.node}|${gpu}|${gpu}|1|${spec.id}`]);
    }
    expect(launcher.hostOf(allocation.nodes[0]?.name ?? "")).toBe("127.0.0.1");
  });

  it("reports a request that cannot be met yet as pending with Slurm's reason, and cancels it on abort", async () => {
    const blocker = sbatch(["--nodes=4", "--gres=gpu:4", "--time=5", "--output=/dev/null", "--wrap=exec sleep 300"]);
    try {
      await waitForRunning(blocker);
      const dir = tempDir();
      const seen: Seen[] = [];
      const controller = new AbortController();
      const acquiring = platform().acquire(request(dir, { nodes: 1, gpus: 1 }), controller.signal, (e) => {
        seen.push(e);
        if (e.state === "pending" && e.queue_position !== undefined && e.reason !== "PENDING") controller.abort();
      });
      await expect(acquiring).rejects.toMatchObject({ code: "ALLOCATION_FAILED" });
      const pending = seen.at(-1);
      expect(pending).toMatchObject({ state: "pending", queue_position: 1 });
      expect(pending?.reason).toMatch(/Resources|Priority/);
      expect(queuedJobs()).toEqual([blocker]);
    } finally {
      scancel(blocker);
    }
  });

  it("refuses a workload that needs more nodes than the surrounding job has", async () => {
    const env = { ...slurmEnv(), SLURM_JOB_ID: "999999", SLURM_JOB_NODELIST: "node1", SLURM_JOB_CPUS_PER_NODE: "4" };
    const inside = new SlurmPlatform({ env });
    await expect(inside.acquire(request(tempDir()), new AbortController().signal, () => {})).rejects.toMatchObject({
      code: "ALLOCATION_FAILED",
      message: "the workload asks for 2 nodes, but Slurm job 999999 has 1",
    });
  });

  it("refuses a workload that needs more cores or GPUs per node than the surrounding job has", async () => {
    const env = {
      ...slurmEnv(),
      SLURM_JOB_ID: "999999",
      SLURM_JOB_NODELIST: "node[1-2]",
      SLURM_JOB_CPUS_PER_NODE: "4(x2)",
      SLURM_JOB_GPUS: "0,1",
    };
    const inside = new SlurmPlatform({ env });
    const signal = new AbortController().signal;
    await expect(inside.acquire(request(tempDir(), { cores: 8 }), signal, () => {})).rejects.toThrow(
      "the workload asks for 8 cores per node, but Slurm job 999999 has 4 on node1",
    );
    await expect(inside.acquire(request(tempDir(), { gpus: 3 }), signal, () => {})).rejects.toThrow(
      "the workload asks for 3 GPUs per node, but Slurm job 999999 has 2 on node1",
    );
    const seen: Seen[] = [];
    // No cores or GPUs named: all the job has.
    const { cores: _cores, gpus: _gpus, ...everything } = request(tempDir());
    const fits = await inside.acquire(everything, signal, (e) => seen.push(e));
    expect(fits.nodes).toEqual([
      { name: "node1", cores: [0, 1, 2, 3], gpus: [0, 1] },
      { name: "node2", cores: [0, 1, 2, 3], gpus: [0, 1] },
    ]);
    expect(seen).toMatchObject([{ state: "active", job_id: "999999", reason: "inside Slurm job 999999" }]);
    await fits.release();
  });

  it("passes Slurm's own refusal through when it rejects the request", async () => {
    const seen: Seen[] = [];
    const failing = platform().acquire(
      request(tempDir(), { partition: "no-such-partition" }),
      new AbortController().signal,
      (e) => seen.push(e),
    );
    await expect(failing).rejects.toMatchObject({
      code: "ALLOCATION_FAILED",
      message: expect.stringMatching(/^sbatch failed: .*[Pp]artition/),
    });
    expect(seen).toEqual([]);
    expect(queuedJobs()).toEqual([]);
  });
});
