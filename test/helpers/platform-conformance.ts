/**
 * One conformance suite for every Platform implementation (local, slurm, flux, …).
 * Call `describePlatformConformance` from a test file with a factory; each
 * platform's own file adds what is specific to it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AllocationStateEvent } from "../../engine/events.js";
import type { Allocation, AllocationRequest, LaunchSpec, Platform } from "../../engine/platform/types.js";
import { fixture, isAlive, processesWithEnv, waitUntil } from "./processes.js";
import { tempDir } from "./tmp.js";

export interface ConformanceSetup {
  platform: Platform;
  /** The request to acquire with; it must give at least one node with one core and two GPUs. */
  request: (sessionDir: string) => AllocationRequest;
  /** Whether stop() returns only once the processes are gone (false when a node's daemon kills them). */
  localProcesses: boolean;
}

type Observed = Omit<AllocationStateEvent, "type" | "platform">;

export function describePlatformConformance(name: string, setup: () => ConformanceSetup | Promise<ConformanceSetup>) {
  async function acquire(): Promise<{ s: ConformanceSetup; allocation: Allocation; seen: Observed[]; dir: string }> {
    const s = await setup();
    const dir = tempDir();
    const seen: Observed[] = [];
    const allocation = await s.platform.acquire(s.request(dir), new AbortController().signal, (e) => seen.push(e));
    return { s, allocation, seen, dir };
  }

  function spec(dir: string, allocation: Allocation, command: string[], lines: string[], mark = ""): LaunchSpec {
    const node = allocation.nodes[0];
    if (!node) throw new Error("allocation without nodes");
    const slot = { node: node.name, cores: node.cores.slice(0, 1), gpus: node.gpus.slice(1, 2) };
    return {
      id: "conf.0",
      placement: { ...slot, slots: [slot] },
      command,
      env: { CONFORMANCE: "yes", CONFORMANCE_MARK: mark },
      stdoutPath: join(dir, "logs", "conf.0.out"),
      stderrPath: join(dir, "logs", "conf.0.err"),
      onLine: (_stream, line) => lines.push(line),
    };
  }

  describe(`${name} platform conformance`, () => {
    it("reports active with its nodes, and releases idempotently", async () => {
      const { allocation, seen, s } = await acquire();
      expect(allocation.platform).toBe(s.platform.name);
      expect(allocation.nodes.length).toBeGreaterThan(0);
      const active = seen.find((e) => e.state === "active");
      expect(active?.nodes.map((n) => n.name)).toEqual(allocation.nodes.map((n) => n.name));
      expect(seen.at(-1)?.state).toBe("active");
      await allocation.release();
      await allocation.release();
    });

    it("starts a process with its GPUs pinned and the spec's env, and reports its exit", async () => {
      const { s, allocation, dir } = await acquire();
      try {
        const lines: string[] = [];
        const script = 'echo "$CUDA_VISIBLE_DEVICES|$FLOTILLA_GPU_IDS|$CONFORMANCE"; exit 3';
        const launcher = s.platform.launcher(allocation);
        const running = launcher.start(spec(dir, allocation, ["sh", "-c", script], lines));
        const gpu = String(allocation.nodes[0]?.gpus[1] ?? "");
        const record = await running.exited;
        expect(record).toMatchObject({ exitCode: 3, failed: true, canceled: false, timedOut: false });
        expect(lines).toContain(`${gpu}|${gpu}|yes`);
        expect(typeof launcher.hostOf(running.node)).toBe("string");
      } finally {
        await allocation.release();
      }
    });

    it("runs a process in the spec's cwd with a file as its stdin, with no cores of its own", async () => {
      const { s, allocation, dir } = await acquire();
      try {
        const lines: string[] = [];
        const cwd = join(dir, "work");
        mkdirSync(cwd);
        const input = join(dir, "input.txt");
        writeFileSync(input, "from stdin\n");
        const launcher = s.platform.launcher(allocation);
        const base = spec(dir, allocation, ["sh", "-c", 'pwd; cat; echo "read $?"'], lines);
        // A staging step: placed on a node beside whatever runs there, taking none of its cores.
        const node = base.placement.node;
        const step: LaunchSpec = {
          ...base,
          placement: { node, cores: [], gpus: [], slots: [] },
          cwd,
          stdinPath: input,
        };
        const record = await launcher.start(step).exited;
        expect(record).toMatchObject({ exitCode: 0, failed: false });
        expect(lines).toEqual([cwd, "from stdin", "read 0"]);
      } finally {
        await allocation.release();
      }
    });

    it("stops a process tree: canceled, and nothing left behind", async () => {
      const { s, allocation, dir } = await acquire();
      try {
        const lines: string[] = [];
        // Found by a marker in their environment, wherever they run (under slurmstepd, not as our children).
        const mark = `stop-${process.pid}-${Date.now()}`;
        const running = s.platform
          .launcher(allocation)
          .start(spec(dir, allocation, [fixture("spawn-tree"), "2", "--ignore-term"], lines, mark));
        await waitUntil(() => lines.filter((l) => l.startsWith("grandchild")).length >= 2, { what: "grandchildren" });
        const family = processesWithEnv("CONFORMANCE_MARK", mark);
        // The tree and its two children at least (a platform may add a wrapper).
        expect(family.length).toBeGreaterThanOrEqual(3);
        const record = await running.stop(500);
        expect(record.canceled).toBe(true);
        expect(record.failed).toBe(true);
        // A local stop() returns once they are gone; elsewhere they go when the node's daemon says.
        if (s.localProcesses) expect(family.filter(isAlive)).toEqual([]);
        await waitUntil(() => processesWithEnv("CONFORMANCE_MARK", mark).length === 0, {
          what: "no marked process left",
          timeoutMs: 15_000,
        });
      } finally {
        await allocation.release();
      }
    });

    it("reports a command that does not exist as a failure, without throwing", async () => {
      const { s, allocation, dir } = await acquire();
      try {
        const record = await s.platform
          .launcher(allocation)
          .start(spec(dir, allocation, ["flotilla-conformance-no-such-command"], [])).exited;
        expect(record.failed).toBe(true);
        expect(record.exitCode === 0).toBe(false);
      } finally {
        await allocation.release();
      }
    });
  });
}
