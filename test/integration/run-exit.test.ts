import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { runCli, startCli } from "../helpers/cli.js";
import { knownPids, ofType, parseNdjson, survivors } from "../helpers/events.js";
import { fixture, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

/** A service whose instance runs a process tree (spawn-tree) next to its server. */
const treeService = (name: string) => `
  - name: ${name}
    command: ["sh", "-c", "${fixture("spawn-tree")} 2 & exec ${fixture("slow-ready")} {port} 100"]
    ready: { http: "/" }
`;

function setup(yaml: string) {
  const dir = tempDir();
  writeFileSync(join(dir, "w.yaml"), `version: 1\nname: exits\nallocation: { cores: 8, gpus: 2 }\n${yaml}`);
  return { dir, session: join(dir, "session"), logs: join(dir, "session", "logs") };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function expectNoOrphans(events: EngineEvent[], logs: string, atLeast: number): Promise<void> {
  const pids = knownPids(events, logs);
  expect(pids.length).toBeGreaterThanOrEqual(atLeast);
  expect(survivors(pids)).toEqual([]);
}

describe("flotilla run exit paths", () => {
  it("exits 1 when a task fails, after the other tasks ran to completion", async () => {
    const { dir, session, logs } = setup(`
services:${treeService("web")}
tasks:
  - name: bad
    command: ["${fixture("fail")}", "3"]
  - name: slow
    uses: [web]
    command: ["${fixture("exit-after")}", "600", "0"]
  - name: tree
    command: ["${fixture("spawn-tree")}", "2"]
    timeout: 1s
`);
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    expect(result.code).toBe(1);
    const events = parseNdjson(result.stdout);
    const ends = Object.fromEntries(
      ofType(events, "task:state")
        .filter((e) => ["done", "failed", "canceled"].includes(e.state))
        .map((e) => [e.id, e]),
    );
    expect(ends.bad).toMatchObject({ state: "failed", exit_code: 3 });
    expect(ends.slow).toMatchObject({ state: "done", exit_code: 0 });
    expect(ends.tree).toMatchObject({ state: "failed", error: "timed out after 1000 ms" });
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 1, reason: "a task failed" });
    await expectNoOrphans(events, logs, 8);
  });

  it("exits 3 when a service crashes on start, naming the instance, node and stderr, and cancels the rest", async () => {
    // broken crashes only once the tree task's children are all up (bounded: exit 9 after 20 s),
    // so the teardown has a whole tree to stop and the orphan check has its children to look for.
    const { dir, session, logs } = setup(`
services:${treeService("web")}
  - name: broken
    command: ["sh", "-c", "for i in $(seq 400); do grep -qs 'started 2 children' LOGS/tree.out && exec ${fixture("crash-on-start")}; sleep 0.05; done; exit 9"]
    ready: { tcp: true }
tasks:
  - name: client
    uses: [broken]
    command: ["echo", "never"]
  - name: tree
    command: ["${fixture("spawn-tree")}", "2"]
`);
    writeFileSync(join(dir, "w.yaml"), readFileSync(join(dir, "w.yaml"), "utf8").replace("LOGS", logs));
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    expect(result.code).toBe(3);
    const events = parseNdjson(result.stdout);
    const failed = ofType(events, "service:state").find((e) => e.state === "failed");
    const node = ofType(events, "allocation:state").find((e) => e.state === "active")?.nodes[0]?.name as string;
    expect(failed?.service).toBe("broken");
    expect(failed?.error).toContain(`service instance broken.0 on node ${node} failed: exited with code 1`);
    expect(failed?.stderr_tail).toEqual([
      "crash-on-start: loading model",
      "crash-on-start: fatal: could not initialise backend",
    ]);
    expect(result.stderr).toContain("broken.0");
    const client = ofType(events, "task:state").filter((e) => e.id === "client");
    expect(client.at(-1)?.state).toBe("canceled");
    expect(client.some((e) => e.state === "running")).toBe(false);
    const end = events.at(-1);
    expect(end).toMatchObject({ type: "session:end", exit_code: 3 });
    expect(end?.type === "session:end" && end.reason).toContain("broken.0");
    expect(ofType(events, "allocation:state").at(-1)?.state).toBe("released");
    expect(readLog(join(logs, "tree.out")).match(/^child \d+$/gm)).toHaveLength(2);
    // web.0 + its 2 children, tree + its 2 children.
    await expectNoOrphans(events, logs, 6);
  });

  it("shows a start-up failure with its stderr in text mode", async () => {
    const { dir, session } = setup(`
services:
  - name: broken
    command: ["${fixture("crash-on-start")}"]
    ready: { tcp: true }
`);
    const result = await runCli(["run", "w.yaml", "--session-dir", session], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(
      /^service broken\.0 FAILED: service instance broken\.0 on node \S+ failed: exited with code 1$/m,
    );
    expect(result.stdout).toContain("\n    | crash-on-start: fatal: could not initialise backend\n");
    expect(result.stdout).toMatch(/with exit code 3: service instance broken\.0/);
  });

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`exits ${code} on ${signal}, after tearing everything down`, async () => {
      const { dir, session, logs } = setup(`
services:${treeService("web")}
tasks:
  - name: tree
    uses: [web]
    command: ["${fixture("spawn-tree")}", "2", "--depth", "2"]
  - name: stubborn
    command: ["${fixture("forever")}", "--ignore-term"]
`);
      const cli = startCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
      await cli.waitForOutput(/"id":"tree","state":"running"/);
      await waitUntil(() => (readLog(join(logs, "tree.out")).match(/^child /gm) ?? []).length >= 4, {
        what: "the tree's grandchildren",
      });
      // Only once it has installed its SIGTERM handler does it really ignore SIGTERM.
      await waitUntil(() => readLog(join(logs, "stubborn.out")).includes("started"), { what: "stubborn to start" });
      cli.child.kill(signal);
      const result = await cli.done;
      expect(result.code).toBe(code);
      expect(result.stderr).toContain(`${signal} received`);
      const events = parseNdjson(result.stdout);
      expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: code });
      const ends = ofType(events, "task:state")
        .filter((e) => e.state === "canceled")
        .map((e) => e.id);
      expect(ends.sort()).toEqual(["stubborn", "tree"]);
      expect(ofType(events, "service:state").at(-1)?.state).toBe("stopped");
      // web.0 + its 2 children, tree + 2 children + 2 grandchildren, stubborn.
      await expectNoOrphans(events, logs, 9);
    });
  }

  it("serves a workload of services only until it is interrupted", async () => {
    const { dir, session, logs } = setup(`services:${treeService("web")}`);
    const cli = startCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    await cli.waitForOutput(/"state":"ready"/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(cli.stdout).not.toContain("session:end");
    cli.child.kill("SIGINT");
    const result = await cli.done;
    expect(result.code).toBe(130);
    const events = parseNdjson(result.stdout);
    expect(ofType(events, "service:state").at(-1)?.state).toBe("stopped");
    await expectNoOrphans(events, logs, 3);
  });

  it("ends a services-only run with exit 1 once every instance has failed for good", async () => {
    // No probe: ready as soon as it runs, so its crash comes after ready (not a start-up failure).
    const { dir, session } = setup(`
services:
  - name: flaky
    command: ["${fixture("crash-on-start")}"]
`);
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    expect(result.code).toBe(1);
    const states = ofType(parseNdjson(result.stdout), "service:state").map((e) => e.state);
    expect(states).toEqual(["pending", "launching", "initializing", "ready", "failed"]);
    expect(result.stderr).toContain("every service instance failed");
  });

  it("a second signal skips the grace and kills at once", async () => {
    const { dir, session, logs } = setup(`
tasks:
  - name: stubborn
    command: ["${fixture("forever")}", "--ignore-term"]
`);
    const cli = startCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    await cli.waitForOutput(/"state":"running"/);
    await waitUntil(() => readLog(join(logs, "stubborn.out")).includes("started"), { what: "stubborn to start" });
    cli.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = Date.now();
    cli.child.kill("SIGINT");
    const result = await cli.done;
    // The default grace is 5 s; the second signal must end it well before that.
    expect(Date.now() - second).toBeLessThan(4_000);
    expect(result.code).toBe(130);
    await expectNoOrphans(parseNdjson(result.stdout), logs, 1);
  });

  it("cancels remaining work at the walltime with a warning first (exit 1)", async () => {
    const { dir, session, logs } = setup(`
tasks:
  - name: endless
    command: ["${fixture("forever")}"]
`);
    const yaml = readFileSync(join(dir, "w.yaml"), "utf8").replace("gpus: 2 }", "gpus: 2, walltime: 3s }");
    writeFileSync(join(dir, "w.yaml"), yaml);
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    expect(result.code).toBe(1);
    const events = parseNdjson(result.stdout);
    const warning = ofType(events, "walltime:warning")[0];
    const active = ofType(events, "allocation:state").find((e) => e.state === "active");
    expect(warning?.deadline).toBe(active?.deadline);
    expect(warning?.remaining_ms).toBeLessThanOrEqual(300);
    const canceled = ofType(events, "task:state").find((e) => e.state === "canceled");
    expect(canceled?.id).toBe("endless");
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 1 });
    expect(events.at(-1)?.type === "session:end" && events.at(-1)).toHaveProperty(
      "reason",
      expect.stringMatching(/walltime/),
    );
    await expectNoOrphans(events, logs, 1);
  });
});
