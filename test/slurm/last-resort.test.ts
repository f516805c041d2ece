import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, scancel, slurmEnv, waitForEmptyQueue } from "./cluster.js";

const TSX = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;

const WORKLOAD = `version: 1
name: last-resort
allocation: { platform: slurm, nodes: 1, cores: 1, walltime: 5m }
tasks:
  - name: hold
    command: ["sleep", "600"]
`;

describeSlurm("last-resort cancel", () => {
  it("cancels a held job when flotilla run dies of an uncaught error", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), WORKLOAD);
    // The real run command in a process that crashes mid-run (the fixture installs no hook itself).
    const result = spawnSync(
      process.execPath,
      // tsx's loader by absolute URL: the reaper the run starts inherits it, in another cwd.
      ["--import", TSX, join(REPO, "test", "slurm", "fixtures", "crash-during-run.ts"), dir],
      { cwd: REPO, env: slurmEnv() as NodeJS.ProcessEnv, encoding: "utf8", timeout: 60_000 },
    );
    expect(result.stderr, result.stderr).toMatch(/crash on purpose/);
    expect(result.status).toBe(1);
    const job = /^job (\d+)$/m.exec(result.stderr)?.[1];
    expect(job).toMatch(/^\d+$/);
    try {
      // The reaper is dead: without run's exit hook the job would hold its node for 5 minutes.
      await waitForEmptyQueue(5_000);
    } finally {
      for (const left of queuedJobs()) scancel(left);
    }
  });
});
