/**
 * `plan` shows what `run` will do: the same workloads through both, and every
 * service instance and every task the plan places lands on the same cores and
 * GPUs in the run. Tasks that wait for no service hold their cores until a
 * task that waits for one has started (it touches `go`), so the run's layout
 * at that moment is the one the plan describes, whatever the machine's speed.
 * (Tasks that wait for different services would start in the order the
 * services happen to be ready, which the plan does not guess.)
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PlannedItem } from "../../engine/scheduler/plan.js";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";

/** Waits (at most 30 s) for the file `go`, then ends. */
const HOLD = `["sh", "-c", "i=0; while [ ! -e go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"]`;
const GO = `["sh", "-c", "touch go"]`;

const WORKLOADS: Record<string, string> = {
  // A GPU service, a task that uses it listed first, then a CPU task and a 2-rank MPI task.
  "gpu service, CPU and MPI tasks": `version: 1
allocation: { platform: local, cores: 8, gpus: 2 }
services:
  - name: llm
    backend: noop
    cores: 2
    gpus: 1
tasks:
  - name: ask
    command: ${GO}
    uses: [llm]
  - name: cpu
    command: ${HOLD}
    cores: 2
  - name: mpi
    command: ${HOLD}
    ranks: 2
    cores: 1
`,
  "two services, tasks that wait for both, a queue": `version: 1
allocation: { platform: local, cores: 6, gpus: 4 }
services:
  - name: web
    backend: noop
    replicas: 2
  - name: gpu
    backend: noop
    cores: 0
    gpus: 2
tasks:
  - name: use-both
    command: ${GO}
    uses: [web, gpu]
    gpus: 1
  - name: sweep
    command: ${HOLD}
    for_each: [a, b, c]
  - name: late
    command: ${HOLD}
    uses: [gpu, web]
    gpus: 1
`,
};

interface Where {
  cores: number[];
  gpus: number[];
}

function sorted(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function planned(item: PlannedItem): Where {
  const slots = item.ranks ?? [item];
  return { cores: sorted(slots.flatMap((s) => s.cores)), gpus: sorted(slots.flatMap((s) => s.gpus)) };
}

describe("plan and run place the same things in the same places", () => {
  for (const [title, yaml] of Object.entries(WORKLOADS)) {
    it(title, async () => {
      const dir = tempDir("flotilla-plan-run-");
      writeFileSync(join(dir, "w.yaml"), yaml);
      const plan = await runCli(["plan", "w.yaml", "--json"], { cwd: dir });
      expect(plan.code, plan.stderr).toBe(0);
      const layout = JSON.parse(plan.stdout) as { services: PlannedItem[]; tasks: PlannedItem[] };

      const run = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const events = parseNdjson(run.stdout);
      const ran = new Map<string, Where>();
      for (const e of ofType(events, "service:state")) {
        if (e.state === "pending") ran.set(`${e.service}.${e.instance}`, { cores: e.cores ?? [], gpus: e.gpus ?? [] });
      }
      for (const e of ofType(events, "task:state")) {
        if (e.state !== "scheduled") continue;
        const slots = e.slots ?? [{ cores: e.cores ?? [], gpus: e.gpus ?? [] }];
        ran.set(e.id, { cores: sorted(slots.flatMap((s) => s.cores)), gpus: sorted(slots.flatMap((s) => s.gpus)) });
      }
      for (const item of [...layout.services, ...layout.tasks]) {
        expect(ran.get(item.id), item.id).toEqual(planned(item));
      }
    });
  }
});
