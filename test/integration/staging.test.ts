/** Data staging end to end through the binary on the local platform: workdirs, inputs, outputs, failures. */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { runCli, startCli, withUmask } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";

/** A workload directory with data/raw/{a,b}.csv, data/raw/sub/c.csv, params.txt and move-me.txt. */
function project(workload: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, "data/raw/sub"), { recursive: true });
  writeFileSync(join(dir, "data/raw/a.csv"), "1,2\n");
  writeFileSync(join(dir, "data/raw/b.csv"), "3,4\n");
  writeFileSync(join(dir, "data/raw/sub/c.csv"), "5,6\n");
  writeFileSync(join(dir, "params.txt"), "alpha=1\n");
  writeFileSync(join(dir, "move-me.txt"), "moved\n");
  writeFileSync(join(dir, "w.yaml"), `version: 1\n${workload}`);
  return dir;
}

async function run(
  dir: string,
  umask?: string,
  name = "session",
): Promise<{ code: number | null; events: EngineEvent[]; session: string }> {
  const session = join(dir, name);
  const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], {
    cwd: dir,
    ...(umask === undefined ? {} : { wrap: withUmask(umask) }),
  });
  expect(result.stderr).not.toMatch(/internal/i);
  return { code: result.code, events: parseNdjson(result.stdout), session };
}

function states(events: EngineEvent[], id: string) {
  return ofType(events, "task:state").filter((e) => e.id === id);
}

describe("data staging on the local platform", () => {
  it("copies, links and moves inputs with globs and templates, and collects outputs into the session and named places", async () => {
    const dir = project(`
tasks:
  - name: sim
    for_each: [a, b]
    inputs:
      - data/raw/*.csv
      - { from: "data/**/*.csv", to: all/ }
      - { from: params.txt, to: conf/params.txt, mode: link }
      - { from: "data/raw/{item}.csv", to: "mine-{instance}.csv" }
    outputs:
      - "result-*.txt"
      - { from: "result-{item}.txt", to: "results/{item}/" }
    command: ["sh", "-c", "find . | sort > result-{item}.txt; pwd > cwd-{item}.txt; cat conf/params.txt mine-{instance}.csv >> result-{item}.txt"]
  - name: mover
    inputs: [{ from: move-me.txt, mode: move }]
    outputs: [{ from: move-me.txt, to: back.txt, mode: move }]
    command: ["true"]
`);
    // A permissive umask: the sandboxes must still be private.
    const { code, events, session } = await run(dir, "000");
    expect(code).toBe(0);
    for (const [id, item, instance] of [
      ["sim.a", "a", 0],
      ["sim.b", "b", 1],
    ] as const) {
      const sandbox = join(session, "tasks", id);
      const running = states(events, id).find((e) => e.state === "running");
      expect(running?.workdir).toBe(sandbox);
      expect(running?.stage_in_ms).toBeGreaterThanOrEqual(0);
      const end = states(events, id).at(-1);
      expect(end).toMatchObject({ state: "done" });
      expect(end?.stage_out_ms).toBeGreaterThanOrEqual(0);
      // The process ran in its sandbox and saw every input where the workload put it.
      const listing = readFileSync(join(session, "outputs", id, `result-${item}.txt`), "utf8");
      for (const path of ["./a.csv", "./b.csv", "./all/raw/a.csv", "./all/raw/sub/c.csv", "./conf/params.txt"]) {
        expect(listing).toContain(`${path}\n`);
      }
      expect(listing).toContain(`./mine-${instance}.csv\n`);
      expect(listing).toContain(`alpha=1\n${item === "a" ? "1,2" : "3,4"}\n`);
      expect(readFileSync(join(dir, "results", item, `result-${item}.txt`), "utf8")).toBe(listing);
      expect(readlinkSync(join(sandbox, "conf/params.txt"))).toBe(join(dir, "params.txt"));
      expect(lstatSync(join(sandbox, "a.csv")).isFile()).toBe(true);
      expect(statSync(sandbox).mode & 0o777).toBe(0o700);
      // Outputs the workload did not ask for stay in the sandbox only.
      expect(existsSync(join(session, "outputs", id, `cwd-${item}.txt`))).toBe(false);
    }
    expect(statSync(join(session, "outputs")).mode & 0o777).toBe(0o700);
    // move: gone from where it was, then moved back out under a new name.
    expect(existsSync(join(dir, "move-me.txt"))).toBe(false);
    expect(readFileSync(join(dir, "back.txt"), "utf8")).toBe("moved\n");
    expect(existsSync(join(session, "tasks", "mover", "move-me.txt"))).toBe(false);
  });

  it("fails a task with a missing input before starting it, naming the file and the task", async () => {
    const dir = project(`
tasks:
  - name: needs
    inputs: [data/raw/a.csv, data/missing.csv]
    command: ["touch", "MARKER"]
  - name: globbed
    inputs: ["data/*.parquet", { from: "data/nothing-*.csv", optional: true }]
    command: ["touch", "MARKER2"]
  - name: optional
    inputs: [{ from: data/none.csv, optional: true }]
    command: ["sh", "-c", "ls > seen.txt"]
    outputs: [seen.txt]
  - name: later
    after: [needs]
    command: ["true"]
`);
    const { code, events, session } = await run(dir);
    expect(code).toBe(1);
    const needs = states(events, "needs");
    expect(needs.map((e) => e.state)).toEqual(["scheduled", "failed"]);
    expect(needs.at(-1)?.error).toBe(
      `task needs, inputs[1] ("data/missing.csv"): input missing: ${join(dir, "data/missing.csv")} does not exist; the process was not started`,
    );
    expect(needs.at(-1)?.pid).toBeUndefined();
    expect(states(events, "globbed").at(-1)?.error).toMatch(
      /^task globbed, inputs\[0\] \("data\/\*\.parquet"\): input missing: no file matches .*data\/\*\.parquet/,
    );
    // Nothing was started: the commands would have made these files in their sandboxes.
    expect(existsSync(join(session, "tasks", "needs", "MARKER"))).toBe(false);
    expect(existsSync(join(session, "tasks", "globbed", "MARKER2"))).toBe(false);
    // And nothing was staged for the task whose second input was missing.
    expect(existsSync(join(session, "tasks", "needs", "a.csv"))).toBe(false);
    expect(states(events, "optional").at(-1)?.state).toBe("done");
    expect(states(events, "later").at(-1)).toMatchObject({ state: "skipped", error: "dependency needs failed" });
  });

  it("returns the outputs of a failed task, and fails a task whose required output is missing", async () => {
    const dir = project(`
tasks:
  - name: crash
    outputs: [partial.log, { from: never.txt, optional: true }]
    command: ["sh", "-c", "echo 'step 1 of 3' > partial.log; exit 3"]
  - name: forgetful
    outputs: [made.txt, expected.txt]
    command: ["sh", "-c", "echo hi > made.txt"]
  - name: relaxed
    outputs: [{ from: maybe.txt, optional: true }]
    command: ["true"]
`);
    const { code, events, session } = await run(dir);
    expect(code).toBe(1);
    const crash = states(events, "crash").at(-1);
    expect(crash).toMatchObject({ state: "failed", exit_code: 3 });
    expect(crash?.stage_out_ms).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(session, "outputs", "crash", "partial.log"), "utf8")).toBe("step 1 of 3\n");
    const forgetful = states(events, "forgetful").at(-1);
    expect(forgetful).toMatchObject({ state: "failed", exit_code: 0 });
    expect(forgetful?.error).toBe('task forgetful: output "expected.txt" was not produced');
    expect(readFileSync(join(session, "outputs", "forgetful", "made.txt"), "utf8")).toBe("hi\n");
    expect(states(events, "relaxed").at(-1)?.state).toBe("done");
  });

  it("lets a task after another read the outputs it collected", async () => {
    const dir = project(`
tasks:
  - name: make
    count: 3
    outputs: [{ from: "part-{instance}.txt", to: parts/ }]
    command: ["sh", "-c", "sleep 0.{instance}; echo part {instance} > part-{instance}.txt"]
  - name: join
    after: [make]
    inputs: ["parts/*.txt"]
    outputs: [{ from: all.txt, to: final/all.txt }]
    command: ["sh", "-c", "cat part-0.txt part-1.txt part-2.txt > all.txt"]
`);
    const { code, events } = await run(dir);
    expect(code).toBe(0);
    expect(readFileSync(join(dir, "final/all.txt"), "utf8")).toBe("part 0\npart 1\npart 2\n");
    // Each `make` ended only after its output was collected, and `join` started after all of them ended.
    const tasks = ofType(events, "task:state");
    const lastMake = Math.max(...tasks.filter((e) => e.task === "make" && e.state === "done").map((e) => e.seq));
    const joinScheduled = tasks.find((e) => e.id === "join" && e.state === "scheduled");
    expect(joinScheduled?.seq).toBeGreaterThan(lastMake);
  });

  it("runs node-local sandboxes under allocation.node_local and removes them once the outputs are back", async () => {
    const dir = project(`
allocation: { node_local: "NODE_LOCAL/{node}" }
tasks:
  - name: local
    count: 2
    workdir: node-local
    inputs: ["data/raw/**", { from: params.txt, to: "conf/" }]
    outputs: [{ from: "where-{instance}.txt", to: gathered/ }, { from: sub, to: "gathered/sub-{instance}" }]
    command: ["sh", "-c", "pwd > where-{instance}.txt; ls -ld . | cut -c1-10 >> where-{instance}.txt; cat conf/params.txt >> where-{instance}.txt"]
  - name: plain
    workdir: somewhere/{node}
    command: ["sh", "-c", "pwd > here.txt"]
`);
    const base = join(dir, "scratch");
    writeFileSync(join(dir, "w.yaml"), readFileSync(join(dir, "w.yaml"), "utf8").replace("NODE_LOCAL", base));
    const { code, events } = await run(dir, "000");
    expect(code).toBe(0);
    const nodes = new Set<string>();
    for (const instance of [0, 1]) {
      const running = states(events, `local.${instance}`).find((e) => e.state === "running");
      const node = running?.node as string;
      nodes.add(node);
      expect(running?.workdir).toMatch(new RegExp(`^${base}/${node}/flotilla-[0-9a-f]{12}/local\\.${instance}$`));
      const [cwd, mode, params] = readFileSync(join(dir, "gathered", `where-${instance}.txt`), "utf8").split("\n");
      expect(cwd).toBe(running?.workdir);
      expect(mode).toBe("drwx------");
      expect(params).toBe("alpha=1");
      expect(readFileSync(join(dir, "gathered", `sub-${instance}`, "c.csv"), "utf8")).toBe("5,6\n");
      expect(states(events, `local.${instance}`).at(-1)?.stage_out_ms).toBeGreaterThanOrEqual(0);
    }
    // Removed after collection: only the (empty) base directory is left.
    for (const node of nodes) expect(readdirSync(join(base, node))).toEqual([]);
    const plain = states(events, "plain").find((e) => e.state === "running");
    expect(readFileSync(join(dir, "somewhere", plain?.node as string, "here.txt"), "utf8")).toBe(`${plain?.workdir}\n`);
  });

  it("collects the outputs of a task canceled by Ctrl-C before the run ends", async () => {
    const dir = project(`
tasks:
  - name: long
    workdir: node-local
    outputs: [progress.log]
    command: ["sh", "-c", "echo started > progress.log; echo ready; exec sleep 60"]
`);
    const session = join(dir, "session");
    const run = startCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
    await run.waitForOutput(/"state":"running"/);
    // It has written its file once it printed "ready" to its log.
    const log = join(session, "logs", "long.out");
    for (let i = 0; i < 200 && !(existsSync(log) && readFileSync(log, "utf8").includes("ready")); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    const end = states(parseNdjson(result.stdout), "long").at(-1);
    expect(end).toMatchObject({ state: "canceled" });
    expect(end?.stage_out_ms).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(session, "outputs", "long", "progress.log"), "utf8")).toBe("started\n");
  });

  it("gives a service instance its workdir and inputs before it starts, and removes a node-local one when it stops", async () => {
    const dir = project(`
allocation: { cores: 4, node_local: "NODE_LOCAL" }
services:
  - name: web
    replicas: 2
    workdir: node-local
    inputs: [{ from: params.txt, to: "conf/params-{instance}.txt" }]
    command: ["sh", "-c", "pwd > where.txt; cat conf/params-{instance}.txt; echo ready; exec sleep 60"]
    ready: { log: "^ready$" }
  - name: missing
    inputs: [weights/model.bin]
    command: ["sleep", "60"]
tasks:
  - name: look
    uses: [web]
    command: ["sh", "-c", "cat NODE_LOCAL/*/web.*/where.txt > seen.txt"]
    outputs: [seen.txt]
`);
    const base = join(dir, "scratch");
    writeFileSync(join(dir, "w.yaml"), readFileSync(join(dir, "w.yaml"), "utf8").replaceAll("NODE_LOCAL", base));
    const first = await run(dir);
    // A service that cannot stage its input fails to start, naming the file: a start-up failure (exit 3).
    expect(first.code).toBe(3);
    const failed = ofType(first.events, "service:state").find((e) => e.service === "missing" && e.state === "failed");
    expect(failed?.error).toContain(
      `service instance missing.0, inputs[0] ("weights/model.bin"): input missing: ${join(dir, "weights/model.bin")} does not exist`,
    );

    writeFileSync(
      join(dir, "w.yaml"),
      readFileSync(join(dir, "w.yaml"), "utf8").replace(/ {2}- name: missing\n.*\n.*\n/, ""),
    );
    const { code, events, session } = await run(dir, undefined, "second");
    expect(code).toBe(0);
    const logs = [0, 1].map((i) => readFileSync(join(session, "logs", `web.${i}.out`), "utf8"));
    for (const log of logs) expect(log).toBe("alpha=1\nready\n");
    const seen = readFileSync(join(session, "outputs", "look", "seen.txt"), "utf8")
      .trim()
      .split("\n")
      .sort();
    expect(seen).toEqual(
      [0, 1].map((i) => expect.stringMatching(new RegExp(`^${base}/flotilla-[0-9a-f]{12}/web\\.${i}$`))),
    );
    // Stopped with the run: nothing is left on the node.
    expect(readdirSync(base)).toEqual([]);
    expect(ofType(events, "service:state").filter((e) => e.state === "ready")).toHaveLength(2);
  });
});
