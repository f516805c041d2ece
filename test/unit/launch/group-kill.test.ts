import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { startProcess } from "../../../engine/launch/supervisor.js";
import { descendantsOf, fixture, groupMembers, isAlive, waitUntil } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

/** Starts spawn-tree and waits until all `expected` descendants are running. */
async function startTree(args: string[], expected: number, graceMs = 5_000) {
  const dir = tempDir();
  const lines: string[] = [];
  const running = startProcess(
    {
      id: "tree.0",
      command: [fixture("spawn-tree"), ...args],
      env: {},
      stdoutPath: join(dir, "tree.out"),
      stderrPath: join(dir, "tree.err"),
      onLine: (_s, line) => lines.push(line),
    },
    { registry: new ProcessRegistry(), graceMs },
  );
  const pid = running.pid as number;
  // The leader says so once its whole tree is up; with --exit it exits right after.
  await waitUntil(() => lines.some((l) => l.startsWith(`spawn-tree ${pid} started`)), { what: "the tree to start" });
  // Children announce their pids; with --exit they may already be gone from the group.
  const announced = lines.filter((l) => l.startsWith("child ")).map((l) => Number(l.split(" ")[1]));
  const family = [...new Set([pid, ...announced, ...groupMembers(pid)])];
  expect(family.length).toBeGreaterThanOrEqual(1 + expected);
  expect(lines.filter((l) => l.startsWith("grandchild") && l.endsWith("started"))).toHaveLength(expected);
  return { running, pid, family, lines };
}

describe("process-group teardown", () => {
  it("stop() takes a shell and the sleep it started down with it", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const running = startProcess(
      {
        id: "sh.0",
        command: ["sh", "-c", "sleep 300 & echo started $!; wait"],
        env: {},
        stdoutPath: join(dir, "o"),
        stderrPath: join(dir, "e"),
        onLine: (_s, line) => lines.push(line),
      },
      { registry: new ProcessRegistry() },
    );
    await waitUntil(() => lines.length > 0);
    const sleepPid = Number(lines[0]?.split(" ")[1]);
    expect(isAlive(sleepPid)).toBe(true);
    expect(descendantsOf(running.pid as number)).toContain(sleepPid);
    const record = await running.stop(2_000);
    expect(record.canceled).toBe(true);
    expect(isAlive(sleepPid)).toBe(false);
    expect(isAlive(running.pid as number)).toBe(false);
  });

  it("leaves no grandchildren, two levels deep", async () => {
    const { running, pid, family } = await startTree(["2", "--depth", "2"], 2);
    expect(family.length).toBeGreaterThanOrEqual(5); // leader, 2 sub-trees, 2 grandchildren
    await running.stop(2_000);
    expect(family.filter(isAlive)).toEqual([]);
    expect(groupMembers(pid)).toEqual([]);
  });

  it("SIGKILLs members that ignore SIGTERM once the grace is over", async () => {
    const { running, pid, family } = await startTree(["2", "--ignore-term"], 2);
    const started = Date.now();
    const record = await running.stop(500);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(5_000);
    expect(record.canceled).toBe(true);
    expect(family.filter(isAlive)).toEqual([]);
    expect(groupMembers(pid)).toEqual([]);
  });

  it("reaps what a leader left behind when it exits by itself", async () => {
    const { running, pid, family } = await startTree(["2", "--exit"], 2, 1_000);
    const record = await running.exited;
    expect(record).toMatchObject({ exitCode: 0, canceled: false, failed: false });
    expect(family.filter(isAlive)).toEqual([]);
    expect(groupMembers(pid)).toEqual([]);
  });

  it("reaps SIGTERM-ignoring leftovers after the grace", async () => {
    const { running, pid, family } = await startTree(["2", "--exit", "--ignore-term"], 2, 500);
    const record = await running.exited;
    expect(record.exitCode).toBe(0);
    expect(family.filter(isAlive)).toEqual([]);
    expect(groupMembers(pid)).toEqual([]);
  });
});

describe("a process that escapes its group", () => {
  it("cannot make exited hang by holding the output pipe", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const running = startProcess(
      {
        id: "esc.0",
        command: ["sh", "-c", "setsid sh -c 'echo escaped $$; exec sleep 60' & sleep 0.2"],
        env: {},
        stdoutPath: join(dir, "o"),
        stderrPath: join(dir, "e"),
        onLine: (_s, line) => lines.push(line),
      },
      { registry: new ProcessRegistry() },
    );
    const started = Date.now();
    const record = await running.exited;
    const escaped = Number(lines.find((l) => l.startsWith("escaped"))?.split(" ")[1]);
    try {
      expect(record.exitCode).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(isAlive(escaped)).toBe(true); // setsid is beyond group teardown, by design
    } finally {
      if (escaped > 0) process.kill(escaped, "SIGKILL");
    }
  });
});
