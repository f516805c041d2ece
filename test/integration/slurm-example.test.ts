/** examples/slurm.yaml is valid, and `plan` lays it out on 4 nodes without Slurm being asked anything. */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("examples/slurm.yaml", () => {
  it("validates, and plans across its 4 nodes with no Slurm tool on PATH", async () => {
    const dir = tempDir();
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync("/bin/sh", join(bin, "sh"));
    const file = join(REPO, "examples", "slurm.yaml");
    const options = { cwd: dir, env: { PATH: bin } };
    const validated = await runCli(["validate", file], options);
    expect(validated.code, validated.stderr).toBe(0);
    const plan = await runCli(["plan", file, "--json"], options);
    expect(plan.code, plan.stderr).toBe(0);
    const nodes = new Set([...plan.stdout.matchAll(/"node":"([^"]+)"/g)].map((m) => m[1]));
    expect(nodes.size).toBe(4);
  });
});
