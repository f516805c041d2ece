import { describe, expect, it } from "vitest";
import { formatIds, formatPlan } from "../../../cli/commands/plan-format.js";
import { planWorkload, syntheticNodes } from "../../../engine/scheduler/plan.js";
import { workloadSchema } from "../../../engine/workload/schema.js";

describe("plan text", () => {
  it("compresses id lists into ranges", () => {
    expect(formatIds([])).toBe("-");
    expect(formatIds([3])).toBe("3");
    expect(formatIds([0, 1, 2, 3, 6, 8, 9])).toBe("0-3,6,8-9");
  });

  it("lists every item of a small plan, and the queued ones", () => {
    const workload = workloadSchema.parse({ version: 1, tasks: [{ name: "t", command: ["x"], count: 3, cores: 2 }] });
    const text = formatPlan(planWorkload(workload, syntheticNodes(1, 4, 0)), "plan: t");
    expect(text).toContain("tasks: 2 start at once, 0 when their services are ready, 1 queued until resources free up");
    expect(text).toMatch(/t\.1\s+node0001\s+cores 2-3\s+gpus -/);
    expect(text).toContain("queued: t.2");
    expect(text).toContain("nodes: 1, cores 4/4 used, gpus 0/0 used");
  });

  it("stays short for thousands of tasks on hundreds of nodes", () => {
    const tasks = Array.from({ length: 200 }, (_, i) => ({
      name: `t${i}`,
      command: ["x"],
      count: 50,
      cores: 1 + (i % 7) * 3,
    }));
    const workload = workloadSchema.parse({ version: 1, tasks });
    const text = formatPlan(planWorkload(workload, syntheticNodes(500, 64, 8)), "plan: big");
    expect(text.split("\n").length).toBeLessThan(60);
    expect(text).toMatch(/… \d+ more \(\d+ instances/);
    expect(text).toMatch(/nodes: 500, cores \d+\/32000 used/);
  });
});
