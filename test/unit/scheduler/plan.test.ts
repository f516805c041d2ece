import { describe, expect, it } from "vitest";
import { planWorkload, syntheticNodes } from "../../../engine/scheduler/plan.js";
import { workloadSchema } from "../../../engine/workload/schema.js";

const workload = workloadSchema.parse({
  version: 1,
  name: "p",
  tasks: [
    { name: "early", command: ["x"], count: 3, cores: 2 },
    { name: "mpi", command: ["x"], ranks: 2, cores: 2, gpus: 1 },
  ],
  // Listed after the tasks on purpose: services are still placed first.
  services: [{ name: "web", command: ["s"], replicas: 2, cores: 1, gpus: 1 }],
});

describe("planWorkload", () => {
  it("places services first, then tasks in order, and queues what does not fit", () => {
    const plan = planWorkload(workload, syntheticNodes(2, 4, 2));
    expect(plan.workload).toBe("p");
    expect(plan.services.map((s) => [s.id, s.node, s.cores, s.gpus])).toEqual([
      ["web.0", "node0001", [0], [0]],
      ["web.1", "node0001", [1], [1]],
    ]);
    expect(plan.tasks.map((t) => [t.id, t.node, t.cores])).toEqual([
      ["early.0", "node0001", [2, 3]],
      ["early.1", "node0002", [0, 1]],
      ["early.2", "node0002", [2, 3]],
    ]);
    expect(plan.queued).toEqual([{ kind: "task", id: "mpi", name: "mpi", request: { cores: 2, gpus: 1, ranks: 2 } }]);
    expect(plan.nodes).toEqual([
      { name: "node0001", cores: 4, gpus: 2, used_cores: 4, used_gpus: 2, services: 2, tasks: 1 },
      { name: "node0002", cores: 4, gpus: 2, used_cores: 4, used_gpus: 0, services: 0, tasks: 2 },
    ]);
  });

  it("lists every rank of an MPI task", () => {
    const plan = planWorkload(workload, syntheticNodes(3, 4, 2));
    const mpi = plan.tasks.find((t) => t.id === "mpi");
    expect(mpi?.ranks).toEqual([
      { node: "node0003", cores: [0, 1], gpus: [0] },
      { node: "node0003", cores: [2, 3], gpus: [1] },
    ]);
    expect(plan.queued).toEqual([]);
  });

  it("is deterministic", () => {
    const nodes = syntheticNodes(4, 8, 2);
    expect(planWorkload(workload, nodes)).toEqual(planWorkload(workload, nodes));
  });

  it("names synthetic nodes with zero padding", () => {
    expect(syntheticNodes(2, 2, 1)).toEqual([
      { name: "node0001", cores: [0, 1], gpus: [0] },
      { name: "node0002", cores: [0, 1], gpus: [0] },
    ]);
    expect(syntheticNodes(10_000, 1, 0)[9_999]?.name).toBe("node10000");
  });
});
