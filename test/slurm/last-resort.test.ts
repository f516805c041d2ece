import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { describeSlurm, slurmEnv, waitForEmptyQueue } from "./cluster.js";

describeSlurm("last-resort cancel", () => {
  it("cancels a held job when the process dies of an uncaught error", async () => {
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", join(REPO, "test", "slurm", "fixtures", "crash-after-acquire.ts")],
      { cwd: REPO, env: slurmEnv() as NodeJS.ProcessEnv, encoding: "utf8", timeout: 60_000 },
    );
    expect(result.stderr).toMatch(/crash on purpose/);
    expect(result.status).toBe(1);
    const job = /^job (\d+)$/m.exec(result.stdout)?.[1];
    expect(job).toMatch(/^\d+$/);
    // Without the exit hook the job would hold its node for its 5-minute walltime.
    await waitForEmptyQueue(5_000);
  });
});
