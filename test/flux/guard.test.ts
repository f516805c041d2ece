/** What a reaper outside the engine gets: the live Flux jobs, and a command that cancels them. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ProcessRegistry } from "../../engine/launch/registry.js";
import { FluxPlatform, liveFluxCancelCommands } from "../../engine/platform/flux/index.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { activeJobs, describeFlux, fluxEnv, waitForNoJobs } from "./instance.js";

describeFlux("flux job guard", () => {
  it("lists the live jobs with a command that cancels them, and forgets them once they end", async () => {
    const env = fluxEnv();
    const platform = new FluxPlatform({ env, registry: new ProcessRegistry(), graceMs: 500 });
    const dir = tempDir();
    const request = { nodes: 1, cores: 1, extraArgs: [], jobName: "flotilla-guard", sessionDir: dir };
    const allocation = await platform.acquire(request, new AbortController().signal, () => {});
    try {
      const node = allocation.nodes[0];
      if (!node) throw new Error("no node");
      const slot = { node: node.name, cores: node.cores.slice(0, 1), gpus: [] };
      const running = platform.launcher(allocation).start({
        id: "long.0",
        placement: { ...slot, slots: [slot] },
        command: ["sleep", "600"],
        env: {},
        stdoutPath: join(dir, "logs", "long.0.out"),
        stderrPath: join(dir, "logs", "long.0.err"),
      });
      await waitUntil(() => (platform.guardOf(allocation)?.ids().length ?? 0) === 1, { what: "the job submitted" });
      const [command] = liveFluxCancelCommands();
      if (!command) throw new Error("no cancel command");
      expect(command.slice(1, 4)).toEqual(["job", "raise", "--type=cancel"]);
      expect(activeJobs()).toHaveLength(1);
      // What a reaper would run after the engine is gone.
      execFileSync(command[0] ?? "flux", command.slice(1), { env });
      const record = await running.exited;
      expect(record.failed).toBe(true);
      expect(liveFluxCancelCommands()).toEqual([]);
      await waitForNoJobs();
    } finally {
      await allocation.release();
    }
  });
});
