import { describe, expect, it } from "vitest";
import { detectPlatform } from "../../../../engine/platform/detect.js";
import {
  holderJobArgs,
  hostFile,
  mpiStepArgs,
  parseSbatchId,
  stepArgs,
  walltimeMinutes,
} from "../../../../engine/platform/slurm/commands.js";
import { surroundingJob } from "../../../../engine/platform/slurm/job-env.js";
import { SlurmPlatform } from "../../../../engine/platform/slurm/slurm-platform.js";

const base = { nodes: 4, extraArgs: [], jobName: "flotilla-demo", sessionDir: "/s" };

describe("holderJobArgs", () => {
  it("asks for every field of the allocation block and passes extra args through", () => {
    const args = holderJobArgs(
      {
        ...base,
        cores: 32,
        gpus: 4,
        walltimeMs: 3_600_000,
        partition: "gpu",
        account: "abc123",
        qos: "normal",
        constraint: "a100",
        reservation: "r1",
        extraArgs: ["--mail-type=END"],
      },
      "/s/slurm-%j.out",
    );
    expect(args).toEqual([
      "--parsable",
      "--job-name=flotilla-demo",
      "--nodes=4",
      "--ntasks-per-node=1",
      "--cpus-per-task=32",
      "--gres=gpu:4",
      "--time=60",
      "--partition=gpu",
      "--account=abc123",
      "--qos=normal",
      "--constraint=a100",
      "--reservation=r1",
      "--output=/s/slurm-%j.out",
      "--mail-type=END",
      "--wrap=exec sleep infinity",
    ]);
  });

  it("asks for whole nodes when no cores are given, and no GRES without GPUs", () => {
    const args = holderJobArgs({ ...base, gpus: 0 }, "/o");
    expect(args).toContain("--exclusive");
    expect(args.some((a) => a.startsWith("--gres"))).toBe(false);
    expect(args.some((a) => a.startsWith("--time"))).toBe(false);
  });

  it("rounds walltime up to whole minutes", () => {
    expect(walltimeMinutes(90_000)).toBe(2);
    expect(walltimeMinutes(1)).toBe(1);
  });
});

describe("parseSbatchId", () => {
  it("reads plain and cluster-qualified ids", () => {
    expect(parseSbatchId("123\n")).toBe("123");
    expect(parseSbatchId("77;cluster")).toBe("77");
    expect(parseSbatchId("Submitted batch job 5")).toBeUndefined();
  });
});

describe("step arguments", () => {
  it("runs one process on its node with its cores and as many GPUs as it was given", () => {
    const args = stepArgs("9", { node: "node2", cores: [0, 1], gpus: [3] }, "flotilla.web.0.1");
    expect(args).toEqual([
      "--jobid=9",
      "--job-name=flotilla.web.0.1",
      "--nodelist=node2",
      "--nodes=1",
      "--ntasks=1",
      "--exact",
      "--cpus-per-task=2",
      "--gres=gpu:1",
      "--kill-on-bad-exit=1",
      "--quiet",
    ]);
  });

  it("keeps GPU-less work off the job's GPUs", () => {
    expect(stepArgs("9", { node: "n", cores: [0], gpus: [] }, "x")).toContain("--gres=none");
  });

  it("lays MPI ranks out one per slot across their nodes", () => {
    const slots = [
      { node: "node1", cores: [0], gpus: [] },
      { node: "node1", cores: [1], gpus: [] },
      { node: "node2", cores: [0], gpus: [] },
    ];
    const args = mpiStepArgs("9", slots, "mpi", "pmix");
    expect(args).toContain("--nodelist=node1,node2");
    expect(args).toContain("--nodes=2");
    expect(args).toContain("--ntasks=3");
    expect(args).toContain("--distribution=arbitrary");
    expect(args).toContain("--mpi=pmix");
    expect(hostFile(slots)).toBe("node1\nnode1\nnode2\n");
    expect(mpiStepArgs("9", slots, "mpi").some((a) => a.startsWith("--mpi"))).toBe(false);
  });
});

describe("inside a job", () => {
  const env = {
    SLURM_JOB_ID: "3",
    SLURM_JOB_NODELIST: "node[1-2]",
    SLURM_JOB_CPUS_PER_NODE: "3(x2)",
    SLURM_GPUS_ON_NODE: "2",
    SLURM_JOB_GPUS: "0,1",
  };

  it("reads the job's nodes, CPUs and GPUs from Slurm's variables", () => {
    expect(surroundingJob(env)).toEqual({
      id: "3",
      nodes: ["node1", "node2"],
      cpus: [3, 3],
      localGpus: [0, 1],
      gpusPerNode: 2,
    });
  });

  it("is not inside a job without SLURM_JOB_ID, and auto follows", () => {
    expect(surroundingJob({})).toBeUndefined();
    expect(detectPlatform({})).toBe("local");
    expect(detectPlatform(env)).toBe("slurm");
  });

  it("names the missing node list", () => {
    expect(() => surroundingJob({ SLURM_JOB_ID: "3" })).toThrow(/SLURM_JOB_NODELIST/);
  });
});

describe("SlurmPlatform without Slurm", () => {
  it("names the missing tool instead of failing obscurely", async () => {
    const platform = new SlurmPlatform({ env: { PATH: "" } });
    const request = { nodes: 1, extraArgs: [], jobName: "x", sessionDir: "/tmp" };
    await expect(platform.acquire(request, new AbortController().signal, () => {})).rejects.toMatchObject({
      code: "PLATFORM_UNAVAILABLE",
      message: expect.stringMatching(/needs `srun` on PATH/),
    });
  });
});
