import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string) => `test/fixtures/workloads/${name}`;

/** Runs the built binary, the way a user would (the unit tests cover the same code in-process). */
async function flotilla(...args: string[]) {
  const result = await runCli(args, { cwd: root });
  // Trimmed as execa would: the assertions compare whole lines.
  return { exitCode: result.code, stdout: result.stdout.trimEnd(), stderr: result.stderr.trimEnd() };
}

describe("flotilla validate", () => {
  it("summarises a valid workload and exits 0", async () => {
    const result = await flotilla("validate", fixture("valid.yaml"));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      "ok: fixture — 1 service (2 instances), 2 tasks (7 instances)\n" +
        "placement: checked (against the allocation: 1 node × 8 cores, 4 GPUs)",
    );
  });

  it("names every problem with file, line and field, and exits 2", async () => {
    const result = await flotilla("validate", fixture("invalid.yaml"));
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("flotilla: test/fixtures/workloads/invalid.yaml: 3 problems in the workload");
    expect(result.stderr).toContain('invalid.yaml:6:15: services[0].replicas: expected a number, got "two"');
  });

  it("prints one JSON object with --json, also when invalid", async () => {
    const ok = await flotilla("validate", fixture("valid.json"), "--json");
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, workload: "json-fixture", tasks: 2, task_instances: 3 });
    const bad = await flotilla("validate", fixture("invalid.json"), "--json");
    expect(bad.exitCode).toBe(2);
    const body = JSON.parse(bad.stdout);
    expect(body).toMatchObject({ ok: false, code: "WORKLOAD_INVALID" });
    expect(body.problems[0]).toMatchObject({ line: 3, path: "tasks[0].gpus" });
  });

  it("exits 2 for a missing file", async () => {
    const result = await flotilla("validate", "no/such/file.yaml");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("cannot read workload no/such/file.yaml: no such file");
  });
});

describe("flotilla plan", () => {
  it("lays a workload out on synthetic nodes", async () => {
    const result = await flotilla("plan", fixture("valid.yaml"), "--nodes", "2", "--cores", "4", "--gpus", "2");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("plan: fixture on 2 nodes × 4 cores, 2 GPUs");
    expect(result.stdout).toMatch(/web\.1\s+node0001\s+cores 1\s+gpus 1/);
    expect(result.stdout).toContain(
      "tasks: 3 start at once, 3 when their services are ready, 1 queued until resources free up",
    );
  });

  it("prints JSON with --json", async () => {
    const result = await flotilla(
      "plan",
      fixture("valid.yaml"),
      "--nodes",
      "80",
      "--gpus",
      "8",
      "--cores",
      "64",
      "--json",
    );
    expect(result.exitCode).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.allocation).toEqual({ nodes: 80, cores: 64, gpus: 8 });
    expect(plan.nodes).toHaveLength(80);
    expect(plan.services).toHaveLength(2);
    expect(plan.tasks).toHaveLength(7);
    expect(plan.queued).toEqual([]);
  });

  it("exits 2 naming the field when a request can never fit, or a flag is bad", async () => {
    const big = await flotilla("plan", fixture("big-gpus.yaml"), "--gpus", "8");
    expect(big.exitCode).toBe(2);
    expect(big.stderr).toContain(
      "big-gpus.yaml:6:11: tasks[0].gpus: asks 16 GPUs per process but the largest node has 8",
    );
    const flag = await flotilla("plan", fixture("valid.yaml"), "--nodes", "two");
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain('--nodes expects a whole number, got "two"');
    const unknown = await flotilla("plan", fixture("valid.yaml"), "--bogus");
    expect(unknown.exitCode).toBe(2);
  });
});
