import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadWorkload, parseWorkload } from "../../../engine/workload/load.js";
import { failure, problems, rejection } from "../../helpers/workload-errors.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/workloads/${name}`, import.meta.url));

describe("loadWorkload", () => {
  it("reads YAML, applies defaults and normalises durations", async () => {
    const loaded = await loadWorkload(fixture("valid.yaml"));
    const { workload } = loaded;
    expect(workload.name).toBe("fixture");
    expect(workload.allocation).toMatchObject({ platform: "local", cores: 8, gpus: 4, walltime: 1_800_000 });
    expect(workload.services[0]).toMatchObject({ replicas: 2, startup_timeout: 30_000, env: { KEY: "value" } });
    expect(workload.tasks[0]).toMatchObject({ count: 4, cores: 1, gpus: 0, uses: ["web"] });
    expect(workload.tasks[1]?.for_each).toEqual(["a", "b", "3"]);
    expect(loaded.locate(["tasks", 1, "for_each"])).toEqual({ line: 20, col: 15 });
    expect(loaded.where(["services", 0, "gpus"])).toMatch(/valid\.yaml:9:11: services\[0\]\.gpus$/);
  });

  it("reads JSON", async () => {
    const { workload } = await loadWorkload(fixture("valid.json"));
    expect(workload.tasks.map((t) => t.name)).toEqual(["one", "two"]);
    expect(workload.allocation).toEqual({});
  });

  it("reports every schema problem at once, with file, line, column and field path", async () => {
    const file = fixture("invalid.yaml");
    const error = await rejection(loadWorkload(file));
    expect(error.code).toBe("WORKLOAD_INVALID");
    expect(error.message).toContain(`${file}:6:15: services[0].replicas: expected a number, got "two"`);
    expect(error.message).toContain(`${file}:7:5: services[0].colour: unknown key "colour"`);
    expect(error.message).toContain(`${file}:12:14: tasks[0].timeout: not a duration: "5 fortnights"`);
    expect(error.context.problems).toHaveLength(3);
  });

  it("gives positions in JSON files too", async () => {
    const file = fixture("invalid.json");
    const error = await rejection(loadWorkload(file));
    expect(error.message).toContain(`${file}:3:59: tasks[0].gpus: expected a number, got "many"`);
  });

  it("names a missing file", async () => {
    const error = await rejection(loadWorkload("/nonexistent/w.yaml"));
    expect(error.code).toBe("WORKLOAD_UNREADABLE");
    expect(error.message).toContain("/nonexistent/w.yaml: no such file");
  });
});

describe("schema errors", () => {
  it("requires version 1", () => {
    expect(problems("name: x\ntasks: []\n")).toEqual(["w.yaml:1:1: version: is required (must be 1)"]);
    expect(problems("version: 2\n")).toEqual(["w.yaml:1:10: version: must be 1, got 2"]);
  });

  it("points at the key of an unknown key and suggests the near miss", () => {
    expect(problems("version: 1\ntasks:\n  - name: a\n    command: [x]\n    cors: 2\n")).toEqual([
      'w.yaml:5:5: tasks[0].cors: unknown key "cors"; did you mean "cores"?',
    ]);
    expect(problems("version: 1\nservises: []\n")[0]).toBe(
      'w.yaml:2:1: servises: unknown key "servises"; did you mean "services"?',
    );
  });

  it("explains readiness probes", () => {
    const base = "version: 1\nservices:\n  - name: s\n    command: [x]\n    ready: ";
    expect(problems(`${base}{ htp: / }\n`)).toEqual([
      'w.yaml:5:14: services[0].ready.htp: unknown key "htp"; did you mean "http"?',
    ]);
    expect(problems(`${base}{ http: /, tcp: true }\n`)).toEqual([
      'w.yaml:5:12: services[0].ready: expected exactly one of "http", "tcp", "log", got "http", "tcp"',
    ]);
    expect(problems(`${base}{ http: health }\n`)).toEqual([
      "w.yaml:5:20: services[0].ready.http: must be a path starting with '/'",
    ]);
  });

  it("reports bad durations, bad names, wrong types and bounds", () => {
    const text = [
      "version: 1",
      "allocation: { walltime: soon, platform: cloud }",
      "tasks:",
      "  - name: 9lives",
      "    command: []",
      "    cores: -1",
      "    count: 1.5",
      "    env: { A: [1] }",
    ].join("\n");
    expect(problems(text)).toEqual([
      'w.yaml:2:25: allocation.walltime: not a duration: "soon" (try 30s, 5m, 1h)',
      'w.yaml:2:41: allocation.platform: expected one of "local", "slurm", "auto", got "cloud"',
      "w.yaml:4:11: tasks[0].name: must start with a letter and use only letters, digits, '_' and '-'",
      "w.yaml:5:14: tasks[0].command: must name a program",
      "w.yaml:6:12: tasks[0].cores: must be at least 0, got -1",
      "w.yaml:7:12: tasks[0].count: expected a whole number, got 1.5",
      "w.yaml:8:15: tasks[0].env.A: expected a string or a number or true or false, got a list",
    ]);
  });

  it("reports YAML syntax errors with their position", () => {
    const error = failure(() => parseWorkload("version: 1\ntasks:\n  - name: [unclosed\n", "w.yaml"));
    expect(error.code).toBe("WORKLOAD_INVALID");
    expect(error.message).toMatch(/w\.yaml:\d+:\d+: YAML: /);
    expect(problems("version: 1\nversion: 1\n")[0]).toMatch(/^w\.yaml:2:1: YAML: Map keys must be unique/);
  });

  it("rejects an empty file and a top level that is not a mapping", () => {
    expect(problems("")[0]).toContain("the file is empty");
    expect(problems("- 1\n- 2\n")).toEqual([
      "w.yaml:1:1: (top level): a workload is a mapping (version: 1, services, tasks), not a list",
    ]);
  });
});
