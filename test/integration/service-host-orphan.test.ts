/**
 * A service host whose parent dies (the engine killed with SIGKILL) stops its
 * backend's whole process group and exits on its own, without any reaper.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { cliCommand } from "../helpers/cli.js";
import { fixture, isAlive, processesWithEnv, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const MARK = "FLOTILLA_TEST_MARK";

describe("service host without its parent", () => {
  it("stops its backend group and exits within 5 s of the parent's death", async () => {
    const mark = randomUUID();
    // On a private ipc socket, as the engine launches hosts on its own machine.
    const socket = `ipc://${join(tempDir("flotilla-orphan-"), "s.sock")}`;
    const host = [...cliCommand(), "service-host", "--backend", "noop", "--service", "s", "--bind", socket];
    const quoted = [...host, "--", fixture("spawn-tree"), "2", "--depth", "2"].map((arg) => `'${arg}'`).join(" ");
    // The parent: a shell that starts the host and waits, as the engine would.
    const parent = spawn("sh", ["-c", `${quoted} & wait`], {
      env: { ...process.env, [MARK]: mark },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    onTestFinished(() => {
      for (const pid of processesWithEnv(MARK, mark)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    });
    let stdout = "";
    let stderr = "";
    parent.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    parent.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    await waitUntil(() => stdout.includes("FLOTILLA_READY") && /started 2 children/.test(stderr), {
      timeoutMs: 20_000,
      what: "the host to be ready with its backend tree up",
    });
    const before = processesWithEnv(MARK, mark).filter((pid) => pid !== parent.pid);
    // host, wrapper, watcher, spawn-tree + 2 children + 2 grandchildren.
    expect(before.length).toBeGreaterThanOrEqual(7);

    process.kill(parent.pid as number, "SIGKILL");
    const killedAt = Date.now();
    await waitUntil(() => processesWithEnv(MARK, mark).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "the host and its backend group to be gone",
    });
    expect(Date.now() - killedAt).toBeLessThanOrEqual(5_000);
    expect(before.filter(isAlive)).toEqual([]);
    expect(stderr).toMatch(/parent \d+ is gone; stopping/);
  });
});
