import { describe, expect, it } from "vitest";
import { findCycle } from "../../../engine/workload/after.js";
import { problemLines as problems, yaml } from "../../helpers/workload-errors.js";

describe("after: checks", () => {
  it("accepts names and instance ids of the workload's tasks", () => {
    const text = yaml(
      "tasks:",
      "  - { name: prep, count: 2, command: [a] }",
      "  - { name: one, command: [a], after: [prep.1] }",
      "  - { name: all, command: [a], after: [prep, one] }",
    );
    expect(problems(text)).toEqual([]);
  });

  it("names an unknown task with a suggestion, and a service used as a task", () => {
    const text = yaml(
      "services: [{ name: web, command: [s] }]",
      "tasks:",
      "  - { name: prep, command: [a] }",
      "  - { name: b, command: [a], after: [perp, web] }",
    );
    expect(problems(text)).toEqual([
      'w.yaml:5:38: tasks[1].after[0]: unknown task "perp"; did you mean "prep"?',
      'w.yaml:5:44: tasks[1].after[1]: "web" is a service, not a task (a task waits for a service with uses:)',
    ]);
  });

  it("reports a cycle once, with every task on it, at the file and line that closes it", () => {
    const text = yaml(
      "tasks:",
      "  - name: a",
      "    command: [x]",
      "    after: [c]",
      "  - name: b",
      "    command: [x]",
      "    after: [a]",
      "  - name: c",
      "    command: [x]",
      "    after: [b]",
    );
    expect(problems(text)).toEqual(["w.yaml:8:13: tasks[1].after[0]: dependency cycle: a after c after b after a"]);
    expect(problems(yaml("tasks:", "  - { name: a, command: [x], after: [a] }"))).toEqual([
      "w.yaml:3:38: tasks[0].after[0]: dependency cycle: a after a",
    ]);
  });

  it("lets a submission refer to the session's tasks and services", () => {
    const text = yaml("tasks:", "  - { name: b, command: [x], after: [old.3], uses: [web] }");
    expect(problems(text)).toHaveLength(2);
    expect(problems(text, { services: ["web"], hasTask: (ref: string) => ref === "old.3" })).toEqual([]);
  });

  it("finds cycles without recursion on a long chain", () => {
    const chain = Array.from({ length: 50_000 }, (_, i) => [i + 1]);
    expect(findCycle([...chain, []])).toBeUndefined();
    expect(findCycle([...chain, [0]])).toHaveLength(50_002);
  });
});
