import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { expectCli, up } from "../helpers/pilot.js";
import { tempDir } from "../helpers/tmp.js";

const PYTHON = "/usr/bin/python3";

describe.skipIf(!existsSync(PYTHON))("the Python example client", () => {
  it("submits, is refused a bad task, waits and reads the status of a live session", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 2 }\n");
    const session = await up("w.yaml", [], { cwd });
    const client = join(REPO, "examples", "pilot", "flotilla_control.py");
    // No argument: it finds the newest session in ./flotilla-sessions, as the CLI does.
    const result = spawnSync(PYTHON, [client], { cwd, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([
      "refused as expected: WORKLOAD_INVALID",
      "prepare done",
      "sweep.a done",
      "sweep.b done",
      "sweep.c done",
      "done 4 failed 0",
    ]);
    await expectCli(["down", session.dir], 0, { cwd });
  });
});
