import { describe, expect, it } from "vitest";
import { batchArgs } from "../../../../engine/platform/flux/batch-instance.js";
import { buildJobspec, evenLayout, taskOrder } from "../../../../engine/platform/flux/jobspec.js";
import { fluxStepArgs } from "../../../../engine/platform/slurm/flux-instance.js";

const ranks: Record<string, number> = { a: 0, b: 1, c: 2 };
const rankOf = (node: string) => ranks[node] ?? -1;
const base = { command: ["true"], environment: { A: "1" }, cwd: "/w", name: "flotilla.t.1", rankOf };

describe("buildJobspec", () => {
  it("asks for one task with the slot's cores on its node's rank, GPUs only when real", () => {
    const slot = { node: "b", cores: [0, 1], gpus: [1] };
    const fake = buildJobspec([slot], { ...base, requestGpus: false });
    expect(fake.resources).toEqual([
      { type: "node", count: 1, with: [{ type: "slot", count: 1, label: "task", with: [{ type: "core", count: 2 }] }] },
    ]);
    expect(fake.tasks).toEqual([{ command: ["true"], slot: "task", count: { per_slot: 1 } }]);
    const system = (fake.attributes as { system: Record<string, unknown> }).system;
    expect(system.constraints).toEqual({ ranks: ["1"] });
    expect(system.environment).toEqual({ A: "1" });
    expect(system.cwd).toBe("/w");
    const real = buildJobspec([slot], { ...base, requestGpus: true });
    expect(JSON.stringify(real.resources)).toContain('{"type":"gpu","count":1}');
  });

  it("asks for at least one core, as Flux cannot run a task on none", () => {
    const spec = buildJobspec([{ node: "a", cores: [], gpus: [] }], { ...base, requestGpus: false });
    expect(JSON.stringify(spec.resources)).toContain('{"type":"core","count":1}');
  });

  it("lays MPI ranks out per node, in broker-rank order", () => {
    const slots = [
      { node: "c", cores: [0], gpus: [0] },
      { node: "a", cores: [0], gpus: [0] },
      { node: "c", cores: [1], gpus: [1] },
      { node: "a", cores: [1], gpus: [1] },
    ];
    expect(evenLayout(slots)).toBe(true);
    expect(evenLayout(slots.slice(0, 3))).toBe(false);
    const ordered = taskOrder(slots, rankOf);
    expect(ordered.map((s) => `${s.node}${s.cores[0]}`)).toEqual(["a0", "a1", "c0", "c1"]);
    const spec = buildJobspec(ordered, { ...base, requestGpus: false });
    expect(spec.resources).toEqual([
      { type: "node", count: 2, with: [{ type: "slot", count: 2, label: "task", with: [{ type: "core", count: 1 }] }] },
    ]);
    expect((spec.attributes as { system: { constraints: unknown } }).system.constraints).toEqual({ ranks: ["0", "2"] });
  });
});

describe("batchArgs", () => {
  const request = { nodes: 2, extraArgs: [], jobName: "flotilla-w", sessionDir: "/s" };
  it("holds whole nodes unless cores are asked for, with walltime, queue and bank", () => {
    expect(batchArgs(request, "/s/out")).toEqual([
      "batch",
      "--job-name=flotilla-w",
      "--nodes=2",
      "--exclusive",
      "--output=/s/out",
      "--wrap",
      "sleep",
      "inf",
    ]);
    const args = batchArgs(
      { ...request, cores: 4, gpus: 1, walltimeMs: 90_000, partition: "pdebug", account: "lab", extraArgs: ["-v"] },
      "/s/out",
    );
    expect(args).toEqual(
      expect.arrayContaining([
        "--nslots=2",
        "--cores-per-slot=4",
        "--gpus-per-slot=1",
        "--time-limit=2m",
        "--queue=pdebug",
        "--bank=lab",
        "-v",
      ]),
    );
    expect(args).not.toContain("--exclusive");
  });
});

describe("fluxStepArgs", () => {
  it("starts one broker per node over Slurm's PMI, on whole nodes, recording each rank's node", () => {
    const args = fluxStepArgs({ jobId: "7", nodes: ["node1", "node2"] }, "/s", "/opt/flux/bin/flux");
    expect(args.slice(0, 11)).toEqual([
      "--jobid=7",
      "--job-name=flotilla.flux",
      "--nodelist=node1,node2",
      "--nodes=2",
      "--ntasks=2",
      "--ntasks-per-node=1",
      "--overlap",
      "--whole",
      "--mpi=pmi2",
      "--kill-on-bad-exit=1",
      "--quiet",
    ]);
    expect(args).toContain("/opt/flux/bin/flux");
    expect(args.at(-1)).toBe("/s/flux-uri");
  });
});
