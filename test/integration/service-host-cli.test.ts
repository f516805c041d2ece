/**
 * `flotilla service-host` as the engine runs it: a real process that starts
 * its backend, prints one FLOTILLA_READY line, serves, and on every exit
 * path (SIGTERM, backend death, start-up failure, even SIGKILL of the host)
 * leaves no process behind.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { parseReadyLine, READY_PATTERN, type ReadyLine } from "../../engine/request/host/ready-line.js";
import { ServiceClient } from "../../engine/request/wire/client.js";
import { uniqueAddress } from "../helpers/addresses.js";
import { modelServerCommand, type Spawned, spawnCli } from "../helpers/host-process.js";
import { descendantsOf, freePort, groupMembers, isAlive, waitUntil } from "../helpers/processes.js";

const READY = new RegExp(READY_PATTERN);

function host(args: string[]): Spawned {
  // These tests are about the lifecycle; authentication has its own (zmq-auth*.test.ts).
  const insecure = args.some((arg) => arg.startsWith("tcp://")) ? ["--insecure"] : [];
  const spawned = spawnCli(["service-host", ...insecure, ...args]);
  onTestFinished(() => spawned.kill());
  return spawned;
}

async function ready(spawned: Spawned): Promise<ReadyLine> {
  const match = await spawned.line(READY, 90_000);
  const line = parseReadyLine(match[1] as string);
  if (line === undefined) throw new Error(`unreadable ready line: ${match[0]}`);
  return line;
}

function useClient(endpoint: string): ServiceClient {
  const client = new ServiceClient(endpoint, { timeoutMs: 30_000 });
  onTestFinished(() => client.close());
  return client;
}

describe("flotilla service-host", () => {
  it.each(["tcp", "ipc"] as const)(
    "noop over %s: one ready line on stdout, serves, exits 143 on SIGTERM",
    async (transport) => {
      const proc = host([
        "--backend",
        "noop",
        "--service",
        "echo",
        "--bind",
        uniqueAddress(transport),
        "--delay-mean",
        "5",
      ]);
      const line = await ready(proc);
      expect(line).toMatchObject({ service: "echo", backend: "noop", pid: proc.pid });
      expect(line.zmq.startsWith(`${transport}://`)).toBe(true);
      expect(line.endpoint).toBeUndefined();
      const reply = await useClient(line.zmq).request({ service: "echo", payload: "ping" });
      expect(reply.payload.toString()).toBe("ping");
      expect(reply.timing.inference_ms).toBeGreaterThan(3);
      proc.child.kill("SIGTERM");
      expect((await proc.exited).code).toBe(143);
      expect(proc.stdout).toHaveLength(1);
    },
  );

  it("openai: starts the model server, waits for /v1/models, serves real tokens, and takes it down on SIGTERM", async () => {
    const port = await freePort();
    const proc = host([
      "--backend",
      "openai",
      "--service",
      "llm",
      "--bind",
      "tcp://127.0.0.1:*",
      "--backend-port",
      String(port),
      "--max-inflight",
      "2",
      "--",
      ...modelServerCommand(),
    ]);
    const line = await ready(proc);
    expect(line.endpoint).toBe(`http://127.0.0.1:${port}/v1`);
    expect(line.init_ms).toBeGreaterThan(0);
    const pgid = line.backend_pgid as number;
    expect(groupMembers(pgid).length).toBeGreaterThan(0);
    const reply = await useClient(line.zmq).request({
      service: "llm",
      path: "/v1/completions",
      payload: { prompt: "hello", max_tokens: 6 },
    });
    expect(JSON.parse(reply.payload.toString()).usage.completion_tokens).toBe(6);
    // The backend's own output went to stderr; stdout holds only the ready line.
    expect(proc.stderr.some((l) => l.startsWith("listening on"))).toBe(true);
    expect(proc.stdout).toHaveLength(1);
    proc.child.kill("SIGTERM");
    expect((await proc.exited).code).toBe(143);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it("exits 3 with the backend's stderr when the backend dies before it is ready", async () => {
    const port = await freePort();
    const proc = host([
      "--backend",
      "openai",
      "--bind",
      "tcp://127.0.0.1:*",
      "--backend-port",
      String(port),
      "--",
      "sh",
      "-c",
      "echo 'cannot open model weights.bin' >&2; exit 7",
    ]);
    expect((await proc.exited).code).toBe(3);
    const stderr = proc.stderr.join("\n");
    expect(stderr).toMatch(/exited with code 7 before it was ready/);
    expect(stderr).toMatch(/cannot open model weights\.bin/);
    expect(proc.stdout).toEqual([]);
  });

  it("exits 3 when the backend dies while serving", async () => {
    const proc = host([
      "--backend",
      "noop",
      "--bind",
      "tcp://127.0.0.1:*",
      "--",
      "sh",
      "-c",
      "sleep 1; echo 'out of memory' >&2; exit 4",
    ]);
    await ready(proc);
    expect((await proc.exited).code).toBe(3);
    expect(proc.stderr.join("\n")).toMatch(/exited with code 4[\s\S]*out of memory/);
  });

  it("exits 3 and stops the backend when it is not ready within --startup-timeout", async () => {
    const port = await freePort();
    const proc = host([
      "--backend",
      "openai",
      "--bind",
      "tcp://127.0.0.1:*",
      "--backend-port",
      String(port),
      "--ready",
      "tcp",
      "--startup-timeout",
      "2s",
      "--",
      "sleep",
      "60",
    ]);
    await waitUntil(() => descendantsOf(proc.pid).length >= 2, { what: "the backend to start" });
    const backend = descendantsOf(proc.pid);
    expect((await proc.exited).code).toBe(3);
    expect(proc.stderr.join("\n")).toMatch(/not ready within 2000 ms/);
    expect(backend.filter(isAlive)).toEqual([]);
  });

  it("exits 143 and stops the backend when SIGTERMed while still starting", async () => {
    const port = await freePort();
    const proc = host([
      "--backend",
      "openai",
      "--bind",
      "tcp://127.0.0.1:*",
      "--backend-port",
      String(port),
      "--ready",
      "tcp",
      "--",
      "sleep",
      "60",
    ]);
    await waitUntil(() => descendantsOf(proc.pid).length >= 2, { what: "the backend to start" });
    const backend = descendantsOf(proc.pid);
    proc.child.kill("SIGTERM");
    expect((await proc.exited).code).toBe(143);
    expect(proc.stdout).toEqual([]);
    expect(backend.filter(isAlive)).toEqual([]);
  });

  it("leaves no backend behind even when the host itself is SIGKILLed", async () => {
    const proc = host(["--backend", "noop", "--bind", "tcp://127.0.0.1:*", "--", "sleep", "120"]);
    const line = await ready(proc);
    const pgid = line.backend_pgid as number;
    // A noop host is ready at once; the wrapper may still be forking the backend and its watcher.
    await waitUntil(() => groupMembers(pgid).length >= 2, { what: "the backend group to start" });
    process.kill(proc.pid, "SIGKILL");
    await proc.exited;
    await waitUntil(() => groupMembers(pgid).length === 0, { timeoutMs: 10_000, what: "backend group to be gone" });
    expect(isAlive(pgid)).toBe(false);
  });

  it("rejects bad flags with exit 2 and a clear message", async () => {
    const proc = host(["--backend", "noop", "--bind", "tcp://127.0.0.1:*", "--ready", "udp"]);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr.join("\n")).toMatch(/--ready must be http:\/PATH, tcp or log:REGEX/);
  });
});
