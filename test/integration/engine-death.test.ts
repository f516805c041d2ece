/**
 * `kill -9` of `flotilla run` (what the OOM killer does): the session's reaper
 * stops every process the engine started within 5 s, appends the session's
 * end, and `show` / `watch` report the death with a non-zero exit. Every
 * process is found through a marker in its environment, so one that escaped
 * its group or was reparented is still seen.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { runCli, startCli } from "../helpers/cli.js";
import { parseNdjson } from "../helpers/events.js";
import { fixture, isAlive, processesWithEnv, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const MARK = "FLOTILLA_TEST_MARK";
/** The requirement: everything gone within 5 s of the engine's death. */
const BOUND_MS = 5_000;

const workload = `version: 1
name: doomed
allocation: { cores: 8, gpus: 2 }
services:
  - name: plain
    backend: noop
  - name: fronted
    backend: noop
    command: ["${fixture("spawn-tree")}", "2"]
  - name: web
    command: ["sh", "-c", "${fixture("spawn-tree")} 2 & exec ${fixture("slow-ready")} {port} 100"]
    ready: { http: "/" }
tasks:
  - name: tree
    command: ["${fixture("spawn-tree")}", "2", "--depth", "2"]
  - name: stubborn
    command: ["${fixture("forever")}", "--ignore-term"]
`;

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Starts the run and waits until every service is ready and every tree is complete. */
async function startDoomedRun() {
  const dir = tempDir();
  writeFileSync(join(dir, "w.yaml"), workload);
  const session = join(dir, "session");
  const logs = join(session, "logs");
  const mark = randomUUID();
  const cli = startCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir, env: { [MARK]: mark } });
  // Whatever the test's outcome, nothing it started outlives it.
  onTestFinished(() => {
    for (const pid of processesWithEnv(MARK, mark)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
  await cli.waitForOutput(/"id":"tree","state":"running"/);
  await waitUntil(() => (cli.stdout.match(/"state":"ready"/g) ?? []).length >= 3, { what: "three ready services" });
  const started = /started 2 children/;
  await waitUntil(
    () =>
      started.test(readText(join(logs, "tree.out"))) &&
      started.test(readText(join(logs, "web.0.out"))) &&
      started.test(readText(join(logs, "fronted.0.err"))) &&
      // Only once it has installed its handler does it really ignore SIGTERM.
      readText(join(logs, "stubborn.out")).includes("started"),
    { timeoutMs: 20_000, what: "every process tree to be up" },
  );
  return { dir, session, mark, cli };
}

function recordOf(session: string): EngineEvent[] {
  return parseNdjson(readFileSync(join(session, "events.jsonl"), "utf8"));
}

describe("the reaper of an orderly run", () => {
  it("exits with the run and touches nothing", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), `version: 1\nname: calm\ntasks:\n  - name: hi\n    command: ["echo", "hi"]\n`);
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    expect(result.code).toBe(0);
    const engine = JSON.parse(readFileSync(join(session, "engine.json"), "utf8")) as { reaper_pid: number };
    await waitUntil(() => !isAlive(engine.reaper_pid), { timeoutMs: 5_000, what: "the reaper to exit" });
    expect(readText(join(session, "reaper.log"))).toContain("the engine ended the session");
    const events = recordOf(session);
    expect(events.filter((event) => event.type === "session:end")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 0 });
    expect((await runCli(["show", session], { cwd: dir })).code).toBe(0);
  });
});

describe("when the engine dies with SIGKILL", () => {
  it("stops every process it started within 5 s and records the death", async () => {
    const { dir, session, mark, cli } = await startDoomedRun();
    const engine = JSON.parse(readFileSync(join(session, "engine.json"), "utf8")) as {
      pid: number;
      reaper_pid: number;
    };
    expect(engine.pid).toBe(cli.pid);
    expect(isAlive(engine.reaper_pid)).toBe(true);
    // engine, reaper, 2 hosts + a backend tree (wrapper, watcher, 1 + 2), web (2 + 2), tree (1 + 2 + 2), stubborn.
    expect(processesWithEnv(MARK, mark).length).toBeGreaterThanOrEqual(16);

    cli.child.kill("SIGKILL");
    const killedAt = Date.now();
    await waitUntil(() => processesWithEnv(MARK, mark).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "every marked process to be gone",
    });
    const goneMs = Date.now() - killedAt;
    console.info(`everything gone ${goneMs} ms after kill -9`);
    expect(goneMs).toBeLessThanOrEqual(BOUND_MS);

    const events = recordOf(session);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    const end = events.at(-1);
    expect(end).toMatchObject({ type: "session:end", exit_code: 137, engine_died: { pid: engine.pid } });
    expect(end?.type === "session:end" && end.reason).toMatch(/^engine died at \d{4}-\d\d-\d\dT/);
    expect(JSON.parse(readFileSync(join(session, "summary.json"), "utf8"))).toMatchObject({ exit_code: 137 });
    for (const file of ["engine.json", "heartbeat", "reaper.log"]) {
      expect(statSync(join(session, file)).mode & 0o777).toBe(0o600);
    }

    const show = await runCli(["show", session], { cwd: dir });
    expect(show.code).toBe(137);
    expect(show.stderr).toMatch(/engine died at \d{4}-/);
    const showJson = await runCli(["show", session, "--json"], { cwd: dir });
    expect(showJson.code).toBe(137);
    const watch = await runCli(["watch", session, "--json"], { cwd: dir });
    expect(watch.code).toBe(137);
    expect(parseNdjson(watch.stdout).at(-1)).toMatchObject({ type: "session:end", exit_code: 137 });
    const watchText = await runCli(["watch", session], { cwd: dir });
    expect(watchText.code).toBe(137);
    expect(watchText.stderr).toMatch(/engine died at /);
  });

  it("lets show and watch tell, and service hosts stop, even when the reaper died too", async () => {
    const { dir, session, mark, cli } = await startDoomedRun();
    const engine = JSON.parse(readFileSync(join(session, "engine.json"), "utf8")) as {
      pid: number;
      reaper_pid: number;
    };
    const hosts = () =>
      processesWithEnv(MARK, mark).filter((pid) => readText(`/proc/${pid}/cmdline`).includes("service-host"));
    const backends = () =>
      processesWithEnv(MARK, mark).filter((pid) => readText(`/proc/${pid}/cmdline`).includes("flotilla-backend"));
    expect(hosts()).toHaveLength(2);
    expect(backends().length).toBeGreaterThan(0);

    // A watcher attached while the run is alive must end once the engine is gone.
    const watch = startCli(["watch", session, "--json", "--interval", "50"], { cwd: dir });
    process.kill(engine.reaper_pid, "SIGKILL");
    await waitUntil(() => !isAlive(engine.reaper_pid), { what: "the reaper to die" });
    cli.child.kill("SIGKILL");
    const killedAt = Date.now();
    // The hosts notice their parent is gone and take their backends' groups with them.
    await waitUntil(() => hosts().length === 0 && backends().length === 0, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "service hosts and their backends to stop",
    });
    const goneMs = Date.now() - killedAt;
    console.info(`service hosts and backends gone ${goneMs} ms after kill -9 (no reaper)`);
    expect(goneMs).toBeLessThanOrEqual(BOUND_MS);

    const watched = await watch.done;
    expect(watched.code).toBe(137);
    expect(watched.stderr).toMatch(/engine died at .*no end record/);
    expect(recordOf(session).some((event) => event.type === "session:end")).toBe(false);
    const show = await runCli(["show", session], { cwd: dir });
    expect(show.code).toBe(137);
    expect(show.stderr).toMatch(/engine died at \d{4}-/);
  });
});
