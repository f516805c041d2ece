import { describe, expect, it } from "vitest";
import {
  expandServices,
  expandTasks,
  instanceCount,
  launchedReplicas,
  sanitizeItem,
} from "../../../engine/workload/expand.js";
import { workloadSchema } from "../../../engine/workload/schema.js";

const workload = workloadSchema.parse({
  version: 1,
  services: [
    { name: "web", command: ["s"], replicas: 3 },
    { name: "fake", backend: "noop", replicas: 2 },
    { name: "remote", endpoints: ["http://127.0.0.1:1"] },
  ],
  tasks: [
    { name: "hello", command: ["x"], count: 3 },
    { name: "sweep", command: ["x"], for_each: ["a", "b/c", 1.5, ""] },
    { name: "once", command: ["x"] },
  ],
});

describe("expansion", () => {
  it("gives task instances stable ids, in order", () => {
    const tasks = expandTasks(workload);
    expect(tasks.map((t) => t.id)).toEqual([
      "hello.0",
      "hello.1",
      "hello.2",
      "sweep.a",
      "sweep.b_c",
      "sweep.1.5",
      "sweep._",
      "once",
    ]);
    expect(tasks[4]).toMatchObject({ task: "sweep", index: 1, item: "b/c" });
    expect(tasks[1]).toMatchObject({ task: "hello", index: 1 });
    expect(tasks[1]?.item).toBeUndefined();
    expect(expandTasks(workload)).toEqual(tasks);
  });

  it("expands launched service instances only", () => {
    expect(expandServices(workload).map((s) => [s.id, s.service, s.instance])).toEqual([
      ["web.0", "web", 0],
      ["web.1", "web", 1],
      ["web.2", "web", 2],
      ["fake.0", "fake", 0],
      ["fake.1", "fake", 1],
    ]);
  });

  it("launches replicas (default 1), none by default beside endpoints, whatever the backend", () => {
    const { services } = workloadSchema.parse({
      version: 1,
      services: [
        { name: "a", backend: "noop", endpoints: ["tcp://127.0.0.1:1"] },
        { name: "b", backend: "openai", endpoints: ["tcp://127.0.0.1:1", "http://127.0.0.1:2/v1"] },
        { name: "c", backend: "noop", replicas: 2, endpoints: ["tcp://127.0.0.1:1"] },
        { name: "d", backend: "noop" },
        { name: "e", command: ["x"], backend: "openai", replicas: 3 },
      ],
    });
    expect(services.map(launchedReplicas)).toEqual([0, 0, 2, 1, 3]);
    expect(services.map(instanceCount)).toEqual([1, 2, 3, 1, 3]);
  });

  it("sanitises items for ids and file names", () => {
    expect(sanitizeItem("../etc/passwd")).toBe("__etc_passwd");
    expect(sanitizeItem("résumé 1")).toBe("r_sum__1");
    expect(sanitizeItem("ok-1_2.txt")).toBe("ok-1_2.txt");
  });
});
