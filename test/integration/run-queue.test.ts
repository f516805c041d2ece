import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { assertNoDoubleBooking, knownPids, ofType, parseNdjson, survivors } from "../helpers/events.js";
import { fixture } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

describe("flotilla run (queueing)", () => {
  it("queues work that does not fit and runs it as GPUs free up, never sharing one", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "q.yaml"),
      `
version: 1
name: queue
allocation: { cores: 8, gpus: 3 }
services:
  - name: logged
    command: ["${fixture("slow-ready")}", "0", "200", "--stderr"]
    gpus: 1
    ready: { log: "listening on (http://\\\\S+)" }
tasks:
  - name: sweep
    for_each: [a, b, c, d, e]
    gpus: 1
    uses: [logged]
    command: ["sh", "-c", "echo {item} on $CUDA_VISIBLE_DEVICES; sleep 0.4"]
`,
    );
    const result = await runCli(["run", "q.yaml", "--json", "--session-dir", "s"], { cwd: dir });
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);

    // The log probe's capture group is the published endpoint (slow-ready picked its own port).
    const ready = ofType(events, "service:state").find((e) => e.state === "ready");
    expect(ready?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // One GPU is the service's; the five tasks share the other two, two at a time.
    expect(assertNoDoubleBooking(events)).toBe(3);
    const tasks = ofType(events, "task:state");
    const waitedForResources = tasks.filter((e) => e.state === "pending" && e.waiting_for?.resources);
    expect(waitedForResources.map((e) => e.id).sort()).toEqual(["sweep.c", "sweep.d", "sweep.e"]);
    let running = 0;
    let peak = 0;
    for (const e of tasks) {
      if (e.state === "running") running += 1;
      if (e.state === "done") running -= 1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
    expect(tasks.filter((e) => e.state === "done")).toHaveLength(5);
    // Queued tasks start only after an earlier one ended.
    const firstDone = tasks.find((e) => e.state === "done")?.seq ?? 0;
    const queuedStart = tasks.find((e) => e.id === "sweep.c" && e.state === "running")?.seq ?? 0;
    expect(queuedStart).toBeGreaterThan(firstDone);
    expect(survivors(knownPids(events, join(dir, "s", "logs")))).toEqual([]);
  });

  it("refuses, with exit 2 and the file position, a task that can never fit beside the services", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "big.yaml"),
      `version: 1
allocation: { cores: 4, gpus: 2 }
services:
  - name: web
    command: ["${fixture("forever")}"]
    gpus: 1
tasks:
  - name: greedy
    gpus: 2
    command: ["true"]
`,
    );
    const result = await runCli(["run", "big.yaml", "--json", "--session-dir", "s"], { cwd: dir });
    expect(result.code).toBe(2);
    const events = parseNdjson(result.stdout);
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 2 });
    expect(result.stderr).toMatch(/big\.yaml:\d+:\d+: tasks\[0\]/);
    expect(ofType(events, "service:state").filter((e) => e.state === "launching")).toEqual([]);
  });
});
