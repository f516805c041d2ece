import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { assertNoDoubleBooking, knownPids, ofType, parseNdjson, survivors } from "../helpers/events.js";
import { fixture } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const workload = (slowReadyMs: number) => `
version: 1
name: happy
allocation: { cores: 6, gpus: 4 }
services:
  - name: web-api
    command: ["${fixture("slow-ready")}", "{port}", "${slowReadyMs}"]
    replicas: 2
    cores: 1
    gpus: 1
    ready: { http: "/" }
    startup_timeout: 20s
tasks:
  - name: hello
    count: 4
    cores: 1
    gpus: 1
    uses: [web-api]
    command: ["sh", "-c", "echo gpu=$CUDA_VISIBLE_DEVICES urls=$FLOTILLA_SERVICE_WEB_API_URLS item={instance}; sleep 0.3"]
  - name: tree
    cores: 1
    command: ["${fixture("spawn-tree")}", "2", "--exit"]
`;

describe("flotilla run (happy path)", () => {
  it("emits ordered NDJSON, pins GPUs without double-booking, records the session and leaves no process behind", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "happy.yaml"), workload(1000));
    const session = join(dir, "session");
    const result = await runCli(["run", "happy.yaml", "--json", "--session-dir", session], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);

    // --json: stdout is pure NDJSON, v: 1, seq strictly increasing from 1.
    const events = parseNdjson(result.stdout);
    expect(events.every((e) => e.v === 1)).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e, i) => i === 0 || e.ts >= (events[i - 1]?.ts ?? 0))).toBe(true);
    expect(events[0]?.type).toBe("session:start");
    expect(events.at(-1)).toMatchObject({
      type: "session:end",
      exit_code: 0,
      tasks: { done: 5, failed: 0, canceled: 0 },
      services: { stopped: 2 },
    });
    expect(ofType(events, "allocation:state").map((e) => e.state)).toEqual(["pending", "active", "released"]);

    // Order of phases: allocation active → services placed → tasks → teardown → released → end.
    const seqOf = (predicate: (e: (typeof events)[number]) => boolean) => events.find(predicate)?.seq ?? -1;
    const active = seqOf((e) => e.type === "allocation:state" && e.state === "active");
    const firstService = seqOf((e) => e.type === "service:state");
    const firstTaskRunning = seqOf((e) => e.type === "task:state" && e.id === "hello.0" && e.state === "running");
    const lastReady = Math.max(
      ...ofType(events, "service:state")
        .filter((e) => e.state === "ready")
        .map((e) => e.seq),
    );
    const firstStopped = seqOf((e) => e.type === "service:state" && e.state === "stopped");
    expect(active).toBeLessThan(firstService);
    expect(lastReady).toBeLessThan(firstTaskRunning);
    expect(firstStopped).toBeGreaterThan(Math.max(...ofType(events, "task:state").map((e) => e.seq)));

    // Each instance walks the lifecycle and reports its bootstrap breakdown on ready.
    for (const instance of [0, 1]) {
      const states = ofType(events, "service:state").filter((e) => e.instance === instance);
      expect(states.map((e) => e.state)).toEqual(["pending", "launching", "initializing", "ready", "stopped"]);
      const ready = states[3];
      expect(ready?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready?.launch_ms).toBeGreaterThanOrEqual(0);
      expect(ready?.init_ms).toBeGreaterThanOrEqual(900);
      expect(ready?.publish_ms).toBeGreaterThanOrEqual(0);
      expect(ready?.gpus).toHaveLength(1);
    }
    const endpoints = ofType(events, "service:state")
      .filter((e) => e.state === "ready")
      .sort((a, b) => a.instance - b.instance)
      .map((e) => e.endpoint);

    // Tasks: pending (waiting for the service) → scheduled → running → done.
    const hello0 = ofType(events, "task:state").filter((e) => e.id === "hello.0");
    expect(hello0.map((e) => e.state)).toEqual(["pending", "scheduled", "running", "done"]);
    expect(hello0[0]?.waiting_for).toEqual({ services: ["web-api"] });
    expect(hello0[3]).toMatchObject({ exit_code: 0, signal: null });
    expect(hello0[3]?.duration_ms).toBeGreaterThanOrEqual(250);

    // 2 service GPUs + 2 task GPUs at most at once, never the same id twice.
    expect(assertNoDoubleBooking(events)).toBe(4);

    // Session directory: events.jsonl is the same stream, logs per instance and task, summary.json.
    expect(readFileSync(join(session, "events.jsonl"), "utf8")).toBe(result.stdout);
    const logs = readdirSync(join(session, "logs"));
    for (const id of ["web-api.0", "web-api.1", "hello.0", "hello.3", "tree"]) {
      expect(logs.some((name) => name.startsWith(`${id}.`))).toBe(true);
    }
    const out = readdirSync(join(session, "logs"))
      .filter((name) => name.startsWith("hello."))
      .filter((name) => !name.includes(".err"))
      .map((name) => readFileSync(join(session, "logs", name), "utf8").trim())
      .filter((text) => text.startsWith("gpu="));
    expect(out).toHaveLength(4);
    for (const line of out) {
      expect(line).toMatch(/^gpu=\d urls=\S+ item=\d$/);
      expect(line).toContain(`urls=${endpoints.join(",")}`);
    }
    const gpusSeen = out.map((line) => line.slice(4, 5));
    const serviceGpus = ofType(events, "service:state")
      .filter((e) => e.state === "ready")
      .flatMap((e) => e.gpus.map(String));
    for (const gpu of gpusSeen) expect(serviceGpus).not.toContain(gpu);
    const summary = JSON.parse(readFileSync(join(session, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ exit_code: 0, tasks: { done: 5 } });

    // No orphans: every process the run started (grandchildren included) is gone.
    const pids = knownPids(events, join(session, "logs"));
    expect(pids.length).toBeGreaterThanOrEqual(9);
    expect(survivors(pids)).toEqual([]);
  });

  it("starts service instances concurrently: two 1 s start-ups overlap", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "happy.yaml"), workload(1000));
    const result = await runCli(["run", "happy.yaml", "--json", "--session-dir", "s"], { cwd: dir });
    expect(result.code).toBe(0);
    const services = ofType(parseNdjson(result.stdout), "service:state");
    const at = (instance: number, state: string) =>
      services.find((e) => e.instance === instance && e.state === state)?.ts ?? Number.NaN;
    // Each instance started initializing before the other one became ready.
    expect(at(0, "initializing")).toBeLessThan(at(1, "ready"));
    expect(at(1, "initializing")).toBeLessThan(at(0, "ready"));
    const span = Math.max(at(0, "ready"), at(1, "ready")) - Math.min(at(0, "launching"), at(1, "launching"));
    expect(span).toBeLessThan(1_900);
  });

  it("prints human-readable progress without --json", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "happy.yaml"), workload(100));
    const result = await runCli(["run", "happy.yaml", "--session-dir", "s"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^service web-api\.0 ready at http:\/\/127\.0\.0\.1:\d+ \(launch /m);
    expect(result.stdout).toMatch(/^task hello\.2 done in /m);
    expect(result.stdout).toMatch(/finished in .* with exit code 0: all tasks ended \(tasks: 5 done\)$/m);
    expect(result.stdout).not.toContain('"seq"');
  });
});
