import { statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ofType } from "../helpers/events.js";
import { events, expectCli, up } from "../helpers/pilot.js";
import { fixture, isAlive, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const service = `
version: 1
name: pilot
allocation: { cores: 4, gpus: 2 }
services:
  - name: web
    command: ["${fixture("slow-ready")}", "{port}", "300"]
    gpus: 1
    ready: { http: "/" }
`;

const tasks = `version: 1
tasks:
  - name: prep
    command: [sh, -c, "echo prepared > prep.txt"]
  - name: use
    after: [prep]
    uses: [web]
    command: [sh, -c, "test -n \\"$FLOTILLA_SERVICE_WEB_URLS\\""]
  - name: bad
    command: [sh, -c, "exit 3"]
  - name: after-bad
    after: [bad]
    command: ["true"]
`;

describe("flotilla up / submit / wait / status / cancel / down (local)", () => {
  it("keeps the services up across submissions, runs dependencies, cancels, and ends on down", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), service);
    writeFileSync(join(cwd, "tasks.yaml"), tasks);
    const session = await up("w.yaml", [], { cwd });
    expect(statSync(session.dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(session.dir, "control.json")).mode & 0o777).toBe(0o600);
    // The record is written behind the engine: the ready event reaches the file a moment later.
    await waitUntil(() => ofType(events(session.dir), "service:state").some((e) => e.state === "ready"));

    // A file: ids printed one a line; --wait is a separate command here.
    const submitted = await expectCli(["submit", "tasks.yaml"], 0, { cwd });
    expect(submitted.stdout.trim().split("\n")).toEqual(["prep", "use", "bad", "after-bad"]);
    const waited = await expectCli(["wait", session.dir], 1, { cwd });
    expect(waited.stdout).toContain("use done (exit 0)");
    expect(waited.stdout).toContain("after-bad skipped: dependency bad failed");

    // The same names again are renamed, and a one-liner waits for its result.
    const again = await expectCli(["submit", "--wait", "tasks.yaml"], 1, { cwd });
    expect(again.stdout.trim().split("\n")).toEqual(["prep-2", "use-2", "bad-2", "after-bad-2"]);
    const one = await expectCli(["submit", "--wait", "--name", "hello", "--after", "prep", "--", "echo", "hi"], 0, {
      cwd,
    });
    expect(one.stdout.trim()).toBe("hello");

    // Cancel a running task and the one after it is skipped.
    const long = await expectCli(["submit", "--name", "long", "--", "sleep", "60"], 0, { cwd });
    expect(long.stdout.trim()).toBe("long");
    await expectCli(["submit", "--name", "next", "--after", "long", "--", "true"], 0, { cwd });
    await waitUntil(() =>
      events(session.dir).some((e) => e.type === "task:state" && e.id === "long" && e.state === "running"),
    );
    const canceled = await expectCli(["cancel", "long"], 0, { cwd });
    expect(canceled.stdout.trim()).toBe("long canceled");
    await expectCli(["wait", "long", "next"], 1, { cwd });

    const status = JSON.parse((await expectCli(["status", "--json"], 0, { cwd })).stdout);
    expect(status.session.submissions).toBe(5);
    expect(status.services[0].instances[0].state).toBe("ready");
    expect(status.counts).toMatchObject({ done: 5, failed: 2, skipped: 3, canceled: 1 });
    const text = (await expectCli(["status"], 0, { cwd })).stdout;
    expect(text).toContain("service web.0 ready");

    // The service started once and stayed up through every submission.
    const record = events(session.dir);
    expect(ofType(record, "service:state").filter((e) => e.state === "launching")).toHaveLength(1);
    expect(ofType(record, "task:submitted").map((e) => e.file)).toEqual([
      "submissions/1.yaml",
      "submissions/2.yaml",
      "submissions/3.yaml",
      "submissions/4.yaml",
      "submissions/5.yaml",
    ]);
    expect(statSync(join(session.dir, "submissions", "1.yaml")).mode & 0o777).toBe(0o600);

    const down = await expectCli(["down"], 1, { cwd });
    const summary = JSON.parse((await expectCli(["show", "--json", session.dir], 0, { cwd })).stdout);
    expect(summary).toMatchObject({ submissions: 5, tasks: { skipped: 3 } });
    expect(down.stderr).toContain("stopped by flotilla down; a task failed");
    expect(isAlive(session.pid)).toBe(false);
    const end = ofType(events(session.dir), "session:end")[0];
    expect(end).toMatchObject({ exit_code: 1, tasks: { done: 5, failed: 2, skipped: 3, canceled: 1 } });
    // Nothing answers any more.
    await expectCli(["status", session.dir], 2, { cwd });
  });

  it("refuses a bad submission whole, with file and line, and a cycle exits 2 in run too", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 2 }\n");
    writeFileSync(
      join(cwd, "cycle.yaml"),
      "version: 1\ntasks:\n  - { name: a, command: [x], after: [b] }\n  - { name: b, command: [x], after: [a] }\n",
    );
    writeFileSync(
      join(cwd, "big.yaml"),
      "version: 1\ntasks:\n  - { name: ok, command: [x] }\n  - { name: huge, command: [x], cores: 64 }\n",
    );
    const session = await up("w.yaml", ["--idle", "10m"], { cwd });
    const cycle = await expectCli(["submit", "cycle.yaml"], 2, { cwd });
    expect(cycle.stderr).toContain("cycle.yaml:4:38: tasks[1].after[0]: dependency cycle: a after b after a");
    const big = await expectCli(["submit", "big.yaml"], 2, { cwd });
    expect(big.stderr).toContain("big.yaml:4:");
    await expectCli(["submit", "--name", "9bad", "--", "true"], 2, { cwd });
    const status = JSON.parse((await expectCli(["status", "--json", session.dir], 0, { cwd })).stdout);
    expect(status.tasks).toEqual([]);
    expect(status.session.submissions).toBe(0);
    expect(ofType(events(session.dir), "task:submitted")).toEqual([]);
    await expectCli(["down", session.dir], 0, { cwd });

    const run = await expectCli(["run", "cycle.yaml"], 2, { cwd });
    expect(run.stderr).toContain("dependency cycle");
  });

  it("leaves nothing of a submitter that died mid-line, and answers garbage without dying", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 2 }\n");
    const session = await up("w.yaml", [], { cwd });
    const { socket, token } = JSON.parse(
      (await import("node:fs")).readFileSync(join(session.dir, "control.json"), "utf8"),
    ) as { socket: string; token: string };
    const exchange = (text: string, close = false) =>
      new Promise<string>((resolve) => {
        const client = createConnection(socket, () => {
          client.write(text);
          if (close) client.destroy();
        });
        let answer = "";
        client.setEncoding("utf8");
        client.on("data", (chunk) => {
          answer += chunk;
          if (answer.includes("\n")) client.end();
        });
        client.on("close", () => resolve(answer));
        client.on("error", () => resolve(answer));
      });
    const submission = JSON.stringify({
      v: 1,
      id: 7,
      token,
      op: "submit",
      text: 'version: 1\ntasks: [{ name: half, command: ["true"] }]\n',
    });
    // The whole request but its newline, then the connection is gone: nothing accepted.
    await exchange(submission, true);
    expect(JSON.parse(await exchange("not json\n"))).toMatchObject({ ok: false, error: { code: "PROTOCOL" } });
    expect(JSON.parse(await exchange(`${JSON.stringify({ v: 1, id: 1, token: "x", op: "status" })}\n`))).toMatchObject({
      id: 1,
      ok: false,
      error: { message: expect.stringContaining("token") },
    });
    expect(JSON.parse(await exchange(`${JSON.stringify({ v: 1, id: 2, token, op: "explode" })}\n`))).toMatchObject({
      id: 2,
      ok: false,
    });
    const status = JSON.parse(await exchange(`${JSON.stringify({ v: 1, id: 3, token, op: "status" })}\n`));
    expect(status).toMatchObject({ id: 3, ok: true, counts: { pending: 0, done: 0 }, tasks: [] });
    // And a complete one is accepted exactly once.
    const accepted = JSON.parse(await exchange(`${submission}\n`));
    expect(accepted).toMatchObject({ id: 7, ok: true, tasks: ["half"] });
    await expectCli(["down", session.dir], 0, { cwd });
  });

  it("ends by itself after the idle timeout", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "w.yaml"),
      "version: 1\nallocation: { cores: 2 }\ntasks: [{ name: first, command: [sleep, '0.5'] }]\n",
    );
    const session = await up("w.yaml", ["--idle", "2s"], { cwd });
    await expectCli(["submit", "--name", "more", "--", "sleep", "1"], 0, { cwd });
    await waitUntil(() => !isAlive(session.pid), { timeoutMs: 30_000, what: "the idle session to end" });
    const end = ofType(events(session.dir), "session:end")[0];
    expect(end).toMatchObject({ exit_code: 0, reason: "idle for 2s", tasks: { done: 2 } });
  });

  it("ends at its walltime like run, with exit code 1", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 2, walltime: 3s }\n");
    const session = await up("w.yaml", [], { cwd });
    await expectCli(["submit", "--name", "long", "--", "sleep", "60"], 0, { cwd });
    await waitUntil(() => !isAlive(session.pid), { timeoutMs: 30_000, what: "the session to reach its walltime" });
    expect(ofType(events(session.dir), "session:end")[0]).toMatchObject({
      exit_code: 1,
      reason: expect.stringContaining("walltime"),
      tasks: { canceled: 1 },
    });
  });

  it("reports a service that fails to start from up itself, with the session's exit code", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "w.yaml"),
      `version: 1\nservices: [{ name: broken, command: ["${fixture("crash-on-start")}"], ready: { tcp: true }, startup_timeout: 5s }]\n`,
    );
    const result = await expectCli(["up", "w.yaml"], 3, { cwd });
    expect(result.stderr).toContain("did not come up");
  });
});
