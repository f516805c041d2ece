import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../../engine/errors.js";
import { checkFits } from "../../../engine/scheduler/fits.js";
import { syntheticNodes } from "../../../engine/scheduler/plan.js";
import { parseWorkload } from "../../../engine/workload/load.js";

function fitProblems(text: string, nodes: number, cores: number, gpus: number): string[] {
  const loaded = parseWorkload(text, "w.yaml");
  try {
    checkFits(loaded, syntheticNodes(nodes, cores, gpus));
    return [];
  } catch (error) {
    if (!isFlotillaError(error)) throw error;
    expect(error.code).toBe("PLACEMENT_IMPOSSIBLE");
    return error.message
      .split("\n")
      .slice(1)
      .map((l) => l.trim());
  }
}

const text = [
  "version: 1",
  "services:",
  "  - { name: web, command: [s], replicas: 3, gpus: 1 }",
  "tasks:",
  "  - { name: small, command: [x], gpus: 1 }",
  "  - { name: wide, command: [x], gpus: 16 }",
  "  - { name: mpi, command: [x], ranks: 9, cores: 4 }",
  "",
].join("\n");

describe("checkFits", () => {
  it("passes when everything can be placed", () => {
    expect(fitProblems(text.replace(/gpus: 16/, "gpus: 4").replace(/ranks: 9/, "ranks: 2"), 2, 8, 4)).toEqual([]);
  });

  it("names each request that can never be placed, with its line and field", () => {
    expect(fitProblems(text, 2, 16, 1)).toEqual([
      "w.yaml:3:42: services[0].replicas: only 2 of 3 instances fit (each needs 1 core and 1 GPU; 2 nodes × 16 cores, 1 GPU)",
      "w.yaml:5:5: tasks[0]: does not fit beside the services, which hold their cores and GPUs for the whole run (2 nodes × 16 cores, 1 GPU)",
      "w.yaml:6:39: tasks[1].gpus: asks 16 GPUs per process but the largest node has 1",
      "w.yaml:7:39: tasks[2].ranks: 9 ranks need more than the whole allocation (2 nodes × 16 cores, 1 GPU)",
    ]);
  });

  it("rejects an allocation without nodes", () => {
    const loaded = parseWorkload("version: 1\n", "w.yaml");
    expect(() => checkFits(loaded, [])).toThrow(/the allocation has no nodes/);
  });

  it("requires the min instances of an autoscaled service to fit, not the max", () => {
    const scaled = (min: number) =>
      `version: 1\nservices:\n  - { name: llm, backend: noop, gpus: 1, autoscale: { min: ${min}, max: 8 } }\n`;
    expect(fitProblems(scaled(2), 1, 4, 2)).toEqual([]);
    expect(fitProblems(scaled(3), 1, 4, 2)).toEqual([
      "w.yaml:3:60: services[0].autoscale.min: only 2 of 3 instances fit (each needs 1 core and 1 GPU; 1 node × 4 cores, 2 GPUs)",
    ]);
  });
});
