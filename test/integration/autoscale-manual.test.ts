/**
 * `flotilla scale` on an autoscaled service in a running session: it sets
 * the count asked for and turns autoscaling off for that service, says so,
 * and records each change as a `service:scale` event with reason `manual`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scales } from "../helpers/autoscale.js";
import { ofType } from "../helpers/events.js";
import { events, expectCli, up } from "../helpers/pilot.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const readyCount = (dir: string) => {
  const alive = new Map<number, string>();
  for (const e of ofType(events(dir), "service:state")) alive.set(e.instance, e.state);
  return [...alive.values()].filter((state) => state === "ready").length;
};

describe("flotilla scale on an autoscaled service", () => {
  it("sets the count, turns autoscaling off for it, and drains what it removes", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "w.yaml"),
      `version: 1
allocation: { cores: 4 }
services:
  - name: llm
    backend: noop
    autoscale: { min: 1, max: 3, up_after: 200ms, down_after: 300ms }
`,
    );
    const session = await up("w.yaml", [], { cwd });
    const grown = await expectCli(["scale", "llm", "2"], 0, { cwd });
    expect(grown.stdout).toContain(
      "llm: 2 instances (1 started, 0 stopped); autoscaling of llm is off for the rest of the session",
    );
    await waitUntil(() => readyCount(session.dir) === 2, { timeoutMs: 20_000 });
    // Idle for many times down_after: autoscaling would have drained one; it is off.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(readyCount(session.dir)).toBe(2);
    const shrunk = await expectCli(["scale", "llm", "1"], 0, { cwd });
    expect(shrunk.stdout).toBe("llm: 1 instances (0 started, 1 stopped)\n");
    await expectCli(["down"], 0, { cwd });

    const all = events(session.dir);
    expect(scales(all, "llm").map((e) => [e.from, e.to, e.reason, e.instances])).toEqual([
      [1, 2, "manual", [1]],
      [2, 1, "manual", [1]],
    ]);
    const one = ofType(all, "service:state").filter((e) => e.instance === 1);
    expect(one.map((e) => e.state)).toEqual(["pending", "launching", "initializing", "ready", "stopped"]);
  });
});
