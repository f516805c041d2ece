/**
 * The session's endpoints.json and `flotilla endpoints`, through the binary:
 * rewritten as instances become ready, restart and stop; private and free of
 * secrets; read by a task through FLOTILLA_SESSION_DIR with no session named.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EndpointsFile } from "../../engine/index.js";
import { cliCommand, runCli, startCli } from "../helpers/cli.js";
import { fixture } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const readEndpoints = (session: string): EndpointsFile | undefined => {
  try {
    return JSON.parse(readFileSync(join(session, "endpoints.json"), "utf8")) as EndpointsFile;
  } catch {
    return undefined;
  }
};

describe("endpoints.json and flotilla endpoints", () => {
  it("follows instances through ready, restart and stop, and tasks find it without naming the session", async () => {
    const dir = tempDir("flotilla-endpoints-");
    const withCli = (...args: string[]) => JSON.stringify([...cliCommand(), ...args]);
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
name: registry
services:
  - name: echo
    backend: noop
    replicas: 2
  - name: flaky
    command: ["${fixture("exit-after")}", "400", "1"]
    restarts: 1
tasks:
  - name: text
    uses: [echo]
    command: ${withCli("endpoints", "echo")}
  - name: json
    uses: [echo]
    command: ${withCli("endpoints", "--json")}
  - name: env
    command: ["sh", "-c", "echo $FLOTILLA_SESSION_DIR"]
  - name: wait
    uses: [flaky]
    command: ["sleep", "3"]
`,
    );
    const session = join(dir, "session");
    const run = startCli(["run", "w.yaml", "--cores", "8", "--session-dir", session], { cwd: dir });
    // Every distinct list of flaky's endpoints the file shows while the run goes (bounded by the run's end).
    const flakySeen: string[] = [];
    let exited = false;
    void run.done.then(() => {
      exited = true;
    });
    for (let i = 0; i < 1_000 && !exited; i++) {
      const endpoints = readEndpoints(session)
        ?.services.flaky?.instances.map((e) => e.endpoint)
        .join(",");
      if (endpoints !== undefined && endpoints !== "" && flakySeen.at(-1) !== endpoints) flakySeen.push(endpoints);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    // The restarted instance got a new port, and the file said so.
    expect(flakySeen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(flakySeen).size).toBe(flakySeen.length);

    const final = readEndpoints(session);
    expect(final?.ended).toBe(true);
    expect(Object.keys(final?.services ?? {}).sort()).toEqual(["echo", "flaky"]);
    expect(Object.values(final?.services ?? {}).every((s) => s.instances.length === 0)).toBe(true);
    expect(statSync(join(session, "endpoints.json")).mode & 0o777).toBe(0o600);

    const logs = join(session, "logs");
    expect(readFileSync(join(logs, "env.out"), "utf8").trim()).toBe(session);
    const text = readFileSync(join(logs, "text.out"), "utf8");
    expect(text).toMatch(/^echo: 2 ready, front http:\/\/127\.0\.0\.1:\d+\/services\/echo\/v1$/m);
    expect(text).toMatch(/^ {2}echo\.1 \S+ ipc:\/\/\S+echo\.1\.sock$/m);
    expect(text).not.toMatch(/flaky/);
    const seen = JSON.parse(readFileSync(join(logs, "json.out"), "utf8")) as EndpointsFile;
    expect(seen.ended).toBe(false);
    const echo = seen.services.echo;
    expect(echo?.instances.map((i) => i.instance)).toEqual([0, 1]);
    expect(echo?.token_file).toBe(join(session, "keys", "front.token"));
    // The token's path, never the token.
    const token = readFileSync(join(session, "keys", "front.token"), "utf8").trim();
    expect(token.length).toBeGreaterThan(10);
    expect(readFileSync(join(logs, "json.out"), "utf8")).not.toContain(token);
  });

  it("says what is wrong when there is no session or no such service", async () => {
    const dir = tempDir("flotilla-endpoints-");
    const env = { FLOTILLA_SESSION_DIR: "" };
    const none = await runCli(["endpoints"], { cwd: dir, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no live session/);
    const session = join(dir, "s");
    writeFileSync(join(dir, "w.yaml"), 'version: 1\ntasks:\n  - name: t\n    command: ["true"]\n');
    const ran = await runCli(["run", "w.yaml", "--session-dir", session], { cwd: dir });
    expect(ran.code, ran.stderr).toBe(0);
    const unknown = await runCli(["endpoints", session, "nope"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no service "nope"/);
    const byEnv = await runCli(["endpoints", "--json"], { cwd: dir, env: { FLOTILLA_SESSION_DIR: session } });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(JSON.parse(byEnv.stdout)).toMatchObject({ v: 1, ended: true, services: {} });
    // `show` takes its session from the variable too.
    const show = await runCli(["show", "--json"], { cwd: dir, env: { FLOTILLA_SESSION_DIR: session } });
    expect(show.code, show.stderr).toBe(0);
  });
});
