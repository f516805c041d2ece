/**
 * The neighbour, for real: another Unix user (uid 65534, through setpriv)
 * tries the sockets of the built binary's hosts. An engine-launched host's
 * ipc socket cannot even be opened; a CURVE `flotilla serve` gives it
 * nothing and counts it; the owner, with the keys, gets answers. The test
 * directories are opened up (0755, umask 0) so that only Flotilla's own
 * modes stand between the two users.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli, startCli } from "../helpers/cli.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const PROBE = readFileSync(join(REPO, "test/fixtures/python/probe.py"), "utf8");
const mode = (path: string) => statSync(path).mode & 0o777;

/** Runs probe.py as `uid` (the script on stdin: the other user may not read this checkout). */
function probe(uid: number | "owner", ...args: string[]): { unix?: string; zmq: string } {
  const python = ["/usr/bin/python3", "-", ...args];
  const command =
    uid === "owner" ? python : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", ...python];
  const result = spawnSync(command[0] as string, command.slice(1), { input: PROBE, encoding: "utf8", timeout: 15_000 });
  if (result.status !== 0) throw new Error(`probe failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Starts children with a umask that would leave their files open to everyone. */
function withOpenUmask<T>(body: () => T): T {
  const previous = process.umask(0);
  try {
    return body();
  } finally {
    process.umask(previous);
  }
}

function openDir(): string {
  const dir = tempDir("flotilla-neighbour-");
  chmodSync(dir, 0o755);
  return dir;
}

describe("another user on the same machine", () => {
  it("cannot open an engine-launched host's ipc socket; the owner's tasks and tools can", async () => {
    const dir = openDir();
    const release = join(dir, "release");
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: echo
    backend: noop
tasks:
  - name: hold
    uses: [echo]
    command: ["sh", "-c", "echo ZMQ=$FLOTILLA_SERVICE_ECHO_ZMQ KEYS=$FLOTILLA_SERVICE_ECHO_ZMQ_KEYS; i=0; while [ ! -e ${release} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"]
`,
    );
    const session = join(dir, "session");
    const run = withOpenUmask(() =>
      startCli(["run", "workload.yaml", "--json", "--cores", "2", "--session-dir", session], { cwd: dir }),
    );
    await run.waitForOutput(/"type":"task:state"[^\n]*"state":"running"/, 60_000);
    const ready = /"state":"ready"[^\n]*"zmq":"(ipc:\/\/[^"]+)"/.exec(run.stdout);
    const endpoint = ready?.[1] as string;
    expect(endpoint).toBe(`ipc://${join(session, "sockets", "echo.0.sock")}`);
    expect(mode(join(session, "sockets"))).toBe(0o700);
    expect(mode(endpoint.slice("ipc://".length))).toBe(0o600);
    expect(mode(join(session, "keys"))).toBe(0o700);
    for (const file of readdirSync(join(session, "keys"))) expect(mode(join(session, "keys", file))).toBe(0o600);

    expect(probe(65534, endpoint)).toEqual({ unix: "PermissionError", zmq: "no reply" });
    expect(probe("owner", endpoint)).toEqual({ unix: "connected", zmq: "reply" });

    writeFileSync(release, "");
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    // ipc needs no keys: the task is told where, and nothing more.
    expect(readFileSync(join(session, "logs", "hold.out"), "utf8")).toBe(`ZMQ=${endpoint} KEYS=\n`);
    expect(existsSync(join(session, "sockets"))).toBe(false);
  });

  it("gets nothing from a CURVE flotilla serve, with or without keys of its own; the owner with keys does", async () => {
    const dir = openDir();
    for (const name of ["host", "client"]) {
      const made = await withOpenUmask(() => runCli(["keygen", name, "--json"], { cwd: dir }));
      expect(made.code, made.stderr).toBe(0);
      expect(JSON.parse(made.stdout)).toMatchObject({ secret_file: join(dir, `${name}.key_secret`) });
    }
    expect(mode(join(dir, "host.key_secret"))).toBe(0o600);
    expect(mode(join(dir, "host.key"))).toBe(0o644);
    const serverKey = /public-key = "(\S+)"/.exec(readFileSync(join(dir, "host.key"), "utf8"))?.[1] as string;

    const serve = startCli(
      [
        "serve",
        "--backend",
        "noop",
        "--port",
        "0",
        "--curve-secret",
        "host.key_secret",
        "--curve-clients",
        "client.key",
      ],
      { cwd: dir },
    );
    await serve.waitForOutput(/listening on tcp:\/\/\S+/);
    const endpoint = /listening on (tcp:\/\/\S+)/.exec(serve.stdout)?.[1] as string;
    expect(serve.stdout).toMatch(/\(noop, CURVE\) listening/);

    expect(probe(65534, endpoint)).toEqual({ zmq: "no reply" });
    expect(probe(65534, endpoint, serverKey)).toEqual({ zmq: "no reply" });

    const keyed = ["--curve-server-key", "host.key", "--curve-keys", "client.key_secret"];
    const reply = await runCli(["request", endpoint, "--data", "hello", ...keyed], { cwd: dir });
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toMatch(/^hello$/m);
    let failures = 0;
    await waitUntil(
      async () => {
        const status = await runCli(["request", endpoint, "--status", "--json", ...keyed], { cwd: dir });
        failures = JSON.parse(status.stdout).counters.auth_failures;
        return failures >= 2;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: "auth_failures to count both attempts" },
    );

    const bare = await runCli(["request", endpoint, "--data", "x", "--timeout", "1s"], { cwd: dir });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/authentication/);
    serve.child.kill("SIGTERM");
    expect((await serve.done).code).toBe(143);
  });
});

describe("flotilla serve without keys", () => {
  it("refuses TCP (exit 2, naming keygen and --insecure), warns with --insecure, and serves ipc quietly", async () => {
    const dir = tempDir();
    const refused = await runCli(["serve", "--backend", "noop", "--port", "0"], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/without authentication/);
    expect(refused.stderr).toMatch(/flotilla keygen/);
    expect(refused.stderr).toMatch(/--insecure/);

    const insecure = startCli(["serve", "--backend", "noop", "--port", "0", "--insecure"], { cwd: dir });
    await insecure.waitForOutput(/\(noop, INSECURE\) listening on tcp:\/\//);
    insecure.child.kill("SIGTERM");
    const ended = await insecure.done;
    expect(ended.stderr).toMatch(/WARNING: --insecure: tcp:\/\/127\.0\.0\.1:\S+ accepts requests from anyone/);

    const ipc = startCli(["serve", "--backend", "noop", "--bind", `ipc://${join(dir, "s.sock")}`], { cwd: dir });
    await ipc.waitForOutput(/listening on ipc:\/\//);
    ipc.child.kill("SIGTERM");
    const quiet = await ipc.done;
    expect(quiet.code).toBe(143);
    expect(quiet.stderr).not.toMatch(/WARNING/);
    expect(existsSync(join(dir, "s.sock"))).toBe(false);
  });
});
