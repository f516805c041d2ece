import { describe, expect, it } from "vitest";
import { Engine } from "../../../engine/engine.js";
import { FlotillaError } from "../../../engine/errors.js";
import type { EngineEvent } from "../../../engine/events.js";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { LocalPlatform } from "../../../engine/platform/local/index.js";
import { createSessionDir } from "../../../engine/session/index.js";
import { parseWorkload } from "../../../engine/workload/load.js";
import { fixture } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

function engineFor(yaml: string, nodes = 1) {
  const dir = tempDir();
  const loaded = parseWorkload(yaml, "w.yaml", `${dir}/w.yaml`);
  const registry = new ProcessRegistry();
  const session = createSessionDir({ dir: "s", cwd: dir, workloadName: "w", now: new Date() });
  return new Engine({
    loaded,
    platform: new LocalPlatform({ env: { PATH: process.env.PATH }, cwd: dir, registry, graceMs: 1_000 }),
    request: { nodes, cores: 2, gpus: 0, extraArgs: [], jobName: "flotilla-w", sessionDir: session.path },
    session,
    self: [],
    version: "test",
    registry,
    graceMs: 1_000,
  });
}

describe("Engine", () => {
  it("streams every event through events(), which ends after session:end", async () => {
    const engine = engineFor(`version: 1\ntasks:\n  - name: t\n    command: ["${fixture("exit-after")}", "50"]\n`);
    const seen: EngineEvent[] = [];
    const reading = (async () => {
      for await (const event of engine.events()) seen.push(event);
    })();
    expect(await engine.run(new AbortController().signal)).toBe(0);
    await reading;
    expect(seen[0]?.type).toBe("session:start");
    expect(seen.at(-1)?.type).toBe("session:end");
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + 1));
  });

  it("ends with exit 3 and allocation:state failed when the allocation cannot be had", async () => {
    const engine = engineFor(`version: 1\ntasks:\n  - name: t\n    command: ["true"]\n`, 2);
    const events: EngineEvent[] = [];
    engine.bus.subscribe((event) => events.push(event));
    expect(await engine.run(new AbortController().signal)).toBe(3);
    const failed = events.find((e) => e.type === "allocation:state" && e.state === "failed");
    expect(failed).toMatchObject({ reason: expect.stringContaining("exactly one node") });
    expect(events.some((e) => e.type === "task:state" && e.state === "running")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 3 });
  });

  it("takes the exit code from the abort reason (SIGTERM → 143)", async () => {
    const engine = engineFor(`version: 1\ntasks:\n  - name: t\n    command: ["${fixture("forever")}"]\n`);
    const controller = new AbortController();
    engine.bus.subscribe((event) => {
      if (event.type === "task:state" && event.state === "running") {
        setTimeout(() => controller.abort(new FlotillaError("TERMINATED", "interrupted by SIGTERM")), 100);
      }
    });
    expect(await engine.run(controller.signal)).toBe(143);
    expect(engine.bus.getSnapshot().end).toMatchObject({ exit_code: 143, reason: "interrupted by SIGTERM" });
    expect(engine.bus.getSnapshot().tasks.t?.state).toBe("canceled");
  });
});
