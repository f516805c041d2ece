/**
 * The platform conformance suite: every Platform (local, slurm, later PBS,
 * LSF, Flux) must pass it. It runs the shared basics
 * (test/helpers/platform-conformance.ts) and adds what needs several
 * processes: placement over every node, readiness through `hostOf`, no
 * double-booked GPUs or cores among concurrent processes (as the processes
 * themselves see it), teardown of many at once, and no orphans.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Allocation, LaunchSpec, RunningProcess } from "../../engine/platform/types.js";
import type { Placement } from "../../engine/resources.js";
import { ResourcePool } from "../../engine/scheduler/pool.js";
import { type ConformanceSetup, describePlatformConformance } from "../helpers/platform-conformance.js";
import { fixture, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

export interface FullConformanceSetup extends ConformanceSetup {
  /** A shell expression that prints the name of the node it runs on, as the platform names it. */
  nodeName: string;
}

/** Pids of live processes whose environment holds MARKER=value (all platforms here run on this host). */
function marked(value: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (environ.split("\0").includes(`CONFORMANCE_MARK=${value}`) && !/^State:\s+Z/m.test(status)) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

export function describeConformance(name: string, setup: () => FullConformanceSetup | Promise<FullConformanceSetup>) {
  describePlatformConformance(name, setup);

  async function acquire() {
    const s = await setup();
    const dir = tempDir();
    const allocation = await s.platform.acquire(s.request(dir), new AbortController().signal, () => {});
    return { s, dir, allocation, launcher: s.platform.launcher(allocation) };
  }

  /** One placement per GPU (1 core, 1 GPU) until the pool is full, across every node. */
  function fill(allocation: Allocation): Placement[] {
    const pool = new ResourcePool(allocation.nodes);
    const out: Placement[] = [];
    for (let placement = pool.place({ cores: 1, gpus: 1 }); placement && out.length < 64; ) {
      out.push(placement);
      placement = pool.place({ cores: 1, gpus: 1 });
    }
    return out;
  }

  function spec(dir: string, id: string, placement: Placement, command: string[], mark: string, lines: string[]) {
    return {
      id,
      placement,
      command,
      env: { CONFORMANCE_MARK: mark },
      stdoutPath: join(dir, "logs", `${id}.out`),
      stderrPath: join(dir, "logs", `${id}.err`),
      onLine: (_stream: "stdout" | "stderr", line: string) => lines.push(line),
    } satisfies LaunchSpec;
  }

  describe(`${name} platform conformance (several processes)`, () => {
    it("runs one process per GPU on every node at once, no GPU or core seen by two of them", async () => {
      const { s, dir, allocation, launcher } = await acquire();
      try {
        const placements = fill(allocation);
        const expected = allocation.nodes.reduce((n, node) => n + Math.min(node.cores.length, node.gpus.length), 0);
        expect(placements).toHaveLength(expected);
        const barrier = join(dir, "barrier");
        // Each process checks in, then waits for all the others: this only ends
        // well if every one of them runs at the same time.
        const script = `echo "${s.nodeName}|$CUDA_VISIBLE_DEVICES|$FLOTILLA_CORE_IDS"; touch "${barrier}.$1"
          i=0; while [ "$(ls "${barrier}".* 2>/dev/null | wc -l)" -lt ${expected} ]; do
            i=$((i+1)); [ $i -gt 300 ] && exit 9; sleep 0.1; done`;
        const lines = placements.map(() => [] as string[]);
        const running = placements.map((p, i) =>
          launcher.start(spec(dir, `fill.${i}`, p, ["sh", "-c", script, "sh", String(i)], "fill", lines[i] ?? [])),
        );
        const records = await Promise.all(running.map((r) => r.exited));
        expect(records.map((r) => r.exitCode)).toEqual(placements.map(() => 0));
        const seen = new Set<string>();
        placements.forEach((placement, i) => {
          const [node, gpus, cores] = (lines[i]?.[0] ?? "").split("|");
          expect(node).toBe(placement.node);
          expect(gpus).toBe(placement.gpus.join(","));
          expect(cores).toBe(placement.cores.join(","));
          for (const key of [`${node}/gpu${gpus}`, `${node}/core${cores}`]) {
            expect(seen.has(key), `${key} seen twice`).toBe(false);
            seen.add(key);
          }
        });
        expect(new Set(placements.map((p) => p.node)).size).toBe(allocation.nodes.length);
      } finally {
        await allocation.release();
      }
    });

    it("makes a server on the last node reachable at hostOf(node)", async () => {
      const { dir, allocation, launcher } = await acquire();
      try {
        const node = allocation.nodes.at(-1);
        if (!node) throw new Error("no nodes");
        const slot = { node: node.name, cores: node.cores.slice(0, 1), gpus: [] };
        const lines: string[] = [];
        const server = launcher.start(
          spec(dir, "server.0", { ...slot, slots: [slot] }, [fixture("slow-ready"), "0", "200"], "server", lines),
        );
        let port = "";
        await waitUntil(
          () => {
            port = lines.map((l) => /listening on http:\/\/[^:]+:(\d+)/.exec(l)?.[1]).find(Boolean) ?? "";
            return port !== "";
          },
          { what: "the server's port", timeoutMs: 20_000 },
        );
        const response = await fetch(`http://${launcher.hostOf(node.name)}:${port}/`);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe("ok\n");
        const record = await server.stop(1_000);
        expect(record.canceled).toBe(true);
      } finally {
        await allocation.release();
      }
    });

    it("stops many process trees at once, all canceled, and leaves no process behind", async () => {
      const { dir, allocation, launcher } = await acquire();
      try {
        const placements = fill(allocation);
        const mark = `teardown-${Date.now()}`;
        const lines = placements.map(() => [] as string[]);
        const running: RunningProcess[] = placements.map((p, i) =>
          launcher.start(
            spec(dir, `tree.${i}`, p, [fixture("spawn-tree"), "2", "--ignore-term"], mark, lines[i] ?? []),
          ),
        );
        await waitUntil(() => lines.every((l) => l.some((line) => /started 2 children/.test(line))), {
          what: "every tree up",
          timeoutMs: 30_000,
        });
        expect(marked(mark).length).toBeGreaterThanOrEqual(placements.length * 3);
        const records = await Promise.all(running.map((r) => r.stop(500)));
        expect(records.every((r) => r.canceled && r.failed)).toBe(true);
        await waitUntil(() => marked(mark).length === 0, { what: "no marked process left", timeoutMs: 15_000 });
      } finally {
        await allocation.release();
      }
    });
  });
}
