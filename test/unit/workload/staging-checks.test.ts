import { describe, expect, it } from "vitest";
import { parseWorkload } from "../../../engine/workload/load.js";
import { problemLines as problems, yaml } from "../../helpers/workload-errors.js";

describe("checks of workdir, inputs and outputs", () => {
  it("accepts strings, entries with every field, and templates where they have values", () => {
    const text = yaml(
      "allocation: { node_local: '/scratch/{node}' }",
      "services:",
      "  - { name: web, command: [x], workdir: sandbox, inputs: [model/weights.bin] }",
      "tasks:",
      "  - name: sim",
      "    command: [x]",
      "    for_each: [a, b]",
      "    workdir: node-local",
      "    inputs: [data/*.csv, { from: 'cfg/{item}.yaml', to: config.yaml, mode: link }]",
      "    outputs: [{ from: 'out-{instance}-{node}.txt', to: results/, mode: move, optional: true }]",
    );
    expect(problems(text)).toEqual([]);
    const task = parseWorkload(text, "w.yaml").workload.tasks[0];
    expect(task?.inputs?.[0]).toEqual({ from: "data/*.csv", mode: "copy", optional: false });
  });

  it("refuses sandbox-side paths that leave the sandbox, glob destinations and misplaced templates, at their line", () => {
    const text = yaml(
      "tasks:",
      "  - name: t",
      "    command: [x]",
      "    inputs: [{ from: a, to: ../a }, { from: b, to: /etc/b }, { from: '{item}' }]",
      "    outputs: [{ from: ../../x }, { from: y, to: 'r/*.txt' }]",
    );
    expect(problems(text)).toEqual([
      'w.yaml:5:29: tasks[0].inputs[0].to: "../a" leaves the sandbox (..)',
      'w.yaml:5:52: tasks[0].inputs[1].to: "/etc/b" must be relative to the sandbox, not an absolute path',
      "w.yaml:5:70: tasks[0].inputs[2].from: placeholder {item} cannot be used here (known here: {instance}, {node})",
      'w.yaml:6:23: tasks[0].outputs[0].from: "../../x" leaves the sandbox (..)',
      "w.yaml:6:49: tasks[0].outputs[1].to: a destination cannot be a glob",
    ]);
  });

  it("refuses node-local with MPI ranks, links out of node-local, staging on inference tasks, unknown keys", () => {
    const text = yaml(
      "allocation: { node_local: scratch }",
      "services: [{ name: m, backend: noop }]",
      "tasks:",
      "  - { name: mpi, command: [x], ranks: 2, workdir: node-local }",
      "  - { name: out, command: [x], workdir: node-local, outputs: [{ from: a, mode: link }] }",
      "  - { name: ask, service: m, requests: r.jsonl, inputs: [a] }",
    );
    const lines = problems(text);
    expect(lines.join("\n")).toMatch(/allocation.node_local: must be an absolute path on the nodes/);
    expect(lines.join("\n")).toMatch(/tasks\[0\].workdir: node-local sandboxes are for single-process tasks/);
    expect(lines.join("\n")).toMatch(/tasks\[1\].outputs\[0\].mode: a link to a node-local sandbox would dangle/);
    expect(lines.join("\n")).toMatch(/tasks\[2\].inputs: inputs is for tasks with a command/);
    const typo = yaml("tasks:", "  - { name: typo, command: [x], inputs: [{ form: a }] }");
    expect(problems(typo)).toContain('w.yaml:3:44: tasks[0].inputs[0].form: unknown key "form"; did you mean "from"?');
  });
});
