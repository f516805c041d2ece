import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installExitGuard, killAllSync, ProcessRegistry, trackedGroups } from "../../../engine/launch/registry.js";
import { startProcess } from "../../../engine/launch/supervisor.js";
import { fixture, groupMembers, isAlive, waitUntil } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

function start(registry: ProcessRegistry, dir: string, id: string, command: string[]) {
  const lines: string[] = [];
  const running = startProcess(
    {
      id,
      command,
      env: {},
      stdoutPath: join(dir, `${id}.out`),
      stderrPath: join(dir, `${id}.err`),
      onLine: (_s, l) => lines.push(l),
    },
    { registry },
  );
  return { running, lines };
}

describe("ProcessRegistry", () => {
  it("stops every process concurrently, within one grace", async () => {
    const dir = tempDir();
    const registry = new ProcessRegistry();
    const started = Array.from({ length: 4 }, (_, i) =>
      start(registry, dir, `f.${i}`, [fixture("forever"), "--ignore-term"]),
    );
    await waitUntil(() => started.every((s) => s.lines.length > 0), { what: "all four to start" });
    expect(registry.size).toBe(4);
    const t0 = Date.now();
    const records = await registry.stopAll(600);
    const took = Date.now() - t0;
    expect(records).toHaveLength(4);
    expect(records.every((r) => r.canceled && r.signal === "SIGKILL")).toBe(true);
    // Concurrent: four SIGTERM-ignoring processes take about one grace, not four.
    expect(took).toBeLessThan(4 * 600);
    expect(started.map((s) => s.running.pid as number).filter(isAlive)).toEqual([]);
    expect(registry.size).toBe(0);
  });

  it("forgets processes that end by themselves", async () => {
    const dir = tempDir();
    const registry = new ProcessRegistry();
    const { running } = start(registry, dir, "x.0", [fixture("exit-after"), "0"]);
    await running.exited;
    expect(registry.size).toBe(0);
    expect(await registry.stopAll()).toEqual([]);
  });

  it("killAllSync kills every tracked group at once, without waiting", async () => {
    const dir = tempDir();
    const registry = new ProcessRegistry();
    const { running, lines } = start(registry, dir, "t.0", [fixture("spawn-tree"), "2", "--ignore-term"]);
    await waitUntil(() => lines.filter((l) => l.startsWith("grandchild")).length >= 2, { what: "grandchildren" });
    const pid = running.pid as number;
    const family = groupMembers(pid);
    expect(trackedGroups()).toContain(pid);
    expect(killAllSync()).toBeGreaterThanOrEqual(1);
    expect(trackedGroups()).toEqual([]);
    const record = await running.exited;
    expect(record.signal).toBe("SIGKILL");
    expect(family.filter(isAlive)).toEqual([]);
  });

  it("installExitGuard hooks killAllSync to the host's exit event", () => {
    const handlers: Array<() => void> = [];
    const host = {
      on: (_event: string, handler: () => void) => handlers.push(handler),
      off: (_event: string, handler: () => void) => handlers.splice(handlers.indexOf(handler), 1),
    } as unknown as NodeJS.Process;
    const remove = installExitGuard(host);
    expect(handlers).toHaveLength(1);
    remove();
    expect(handlers).toHaveLength(0);
  });
});
