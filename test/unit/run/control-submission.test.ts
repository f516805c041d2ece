import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../../engine/errors.js";
import { prepareSubmission } from "../../../engine/run/control/submission.js";

const nodes = [{ name: "n1", cores: [0, 1, 2, 3], gpus: [0] }];

function submit(text: string, existing: string[] = [], services: string[] = []) {
  return prepareSubmission({
    number: 4,
    text,
    source: "s.yaml",
    dir: "/home/me/analysis",
    services,
    hasTask: (ref) => existing.includes(ref),
    nodes,
  });
}

describe("prepareSubmission", () => {
  it("renames names the session has, and references inside the submission follow the rename", () => {
    const { units, renamed } = submit(
      [
        "version: 1",
        "tasks:",
        "  - { name: prep, count: 2, command: [x] }",
        "  - { name: use, command: [x], after: [prep.1, old] }",
        "  - { name: ask, service: llm, requests: prompts.jsonl }",
      ].join("\n"),
      ["prep", "prep.0", "prep.1", "old", "prep-4"],
      ["llm"],
    );
    expect(renamed).toEqual({ prep: "prep-4-2" });
    expect(units.map((u) => u.id)).toEqual(["prep-4-2.0", "prep-4-2.1", "use", "ask"]);
    expect(units[2]?.spec.after).toEqual(["prep-4-2.1", "old"]);
    // Relative paths resolve against the submitter's directory, not the session's.
    expect(units[3]?.spec.requests).toBe("/home/me/analysis/prompts.jsonl");
  });

  it("resolves staging paths on the submitter's side against its directory, and leaves sandbox-side ones", () => {
    const { units, services } = submit(
      [
        "version: 1",
        "services: [{ name: web, command: [x], inputs: [model.bin] }]",
        "tasks:",
        "  - name: t",
        "    command: [x]",
        "    workdir: scratch/t",
        "    inputs: [data/*.csv, { from: /abs/p.txt, to: conf/p.txt }]",
        "    outputs: [out.txt, { from: r.csv, to: results/ }, { from: s.csv, to: /abs/s.csv }]",
      ].join("\n"),
    );
    const spec = units[0]?.spec;
    expect(spec?.workdir).toBe("/home/me/analysis/scratch/t");
    expect(spec?.inputs?.map((e) => [e.from, e.to])).toEqual([
      ["/home/me/analysis/data/*.csv", undefined],
      ["/abs/p.txt", "conf/p.txt"],
    ]);
    // A trailing slash still says "a directory".
    expect(spec?.outputs?.map((e) => [e.from, e.to])).toEqual([
      ["out.txt", undefined],
      ["r.csv", "/home/me/analysis/results/"],
      ["s.csv", "/abs/s.csv"],
    ]);
    expect(services[0]?.inputs?.[0]?.from).toBe("/home/me/analysis/model.bin");
  });

  it("refuses the whole submission with located problems, and tasks that can never fit", () => {
    const problems = (text: string, existing: string[] = [], services: string[] = []) => {
      try {
        submit(text, existing, services);
        return [];
      } catch (error) {
        if (!isFlotillaError(error)) throw error;
        return error.message
          .split("\n")
          .slice(1)
          .map((l) => l.trim());
      }
    };
    expect(problems("version: 1\ntasks:\n  - { name: a, command: [x], after: [gone] }\n")).toEqual([
      's.yaml:3:38: tasks[0].after[0]: unknown task "gone"',
    ]);
    expect(problems("version: 1\ntasks:\n  - { name: a, command: [x], gpus: 2 }\n")[0]).toContain("tasks[0].gpus");
    expect(problems("version: 1\nservices:\n  - { name: web, command: [x] }\n", [], ["web"])[0]).toContain(
      's.yaml:3:13: services[0].name: the session already has a service or task named "web"',
    );
  });
});
