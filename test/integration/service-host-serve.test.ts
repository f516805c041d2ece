/**
 * `flotilla serve` as a persistent (remote-style) instance fronting a real
 * model server, driven with `flotilla request`: the reply, its timing
 * breakdown, the JSON form, host status and error exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelServerCommand, type Spawned, spawnCli } from "../helpers/host-process.js";
import { fixture, freePort, groupMembers } from "../helpers/processes.js";

let serve: Spawned;
let endpoint: string;

async function request(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  const proc = spawnCli(["request", ...args]);
  const { code } = await proc.exited;
  return { code, stdout: proc.stdout.join("\n"), stderr: proc.stderr.join("\n"), ms: performance.now() - started };
}

/** `flotilla serve` of an openai backend run by COMMAND; resolves with it and its endpoint once listening. */
async function startServe(command: string[]): Promise<{ serve: Spawned; endpoint: string }> {
  const backendPort = await freePort();
  const proc = spawnCli([
    "serve",
    "--backend",
    "openai",
    "--service",
    "llm",
    "--port",
    "0",
    "--backend-port",
    String(backendPort),
    "--max-inflight",
    "2",
    // Authentication has its own tests (zmq-auth*.test.ts); this one is about replies and exit codes.
    "--insecure",
    "--",
    ...command,
  ]);
  const listening = await proc.line(/listening on (tcp:\/\/\S+)/, 90_000);
  return { serve: proc, endpoint: listening[1] as string };
}

beforeAll(async () => {
  ({ serve, endpoint } = await startServe(modelServerCommand()));
});

afterAll(async () => {
  await serve?.kill();
});

describe("flotilla serve + flotilla request", () => {
  it("prints the reply and its timing breakdown", async () => {
    const out = await request([
      endpoint,
      "--service",
      "llm",
      "--path",
      "/v1/chat/completions",
      "--data",
      JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 5 }),
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^reply from llm@\S+ \(tcp:\/\/127\.0\.0\.1:\d+, HTTP 200\)/);
    expect(out.stdout).toMatch(/"object": "chat\.completion"/);
    expect(out.stdout).toMatch(/timing: total [\d.]+ ms = communication [\d.]+ \+ service [\d.]+ \+ inference [\d.]+/);
  });

  it("prints one JSON object with --json", async () => {
    const out = await request([endpoint, "--service", "llm", "--data", '{"prompt":"abc","max_tokens":3}', "--json"]);
    expect(out.code).toBe(0);
    const reply = JSON.parse(out.stdout);
    expect(reply).toMatchObject({ ok: true, kind: "reply", service: "llm", http_status: 200 });
    expect(reply.response.usage.completion_tokens).toBe(3);
    expect(reply.inference_ms).toBeGreaterThan(0);
    // Against clocks the breakdown does not come from: the host's own stamps lie inside the
    // client's round trip, which lies inside the request process's life as this test timed it.
    expect(reply.total_ms).toBeGreaterThanOrEqual(reply.ts.sent - reply.ts.received);
    expect(reply.ts.backend_end - reply.ts.backend_start).toBeLessThanOrEqual(reply.ts.sent - reply.ts.received);
    expect(reply.total_ms).toBeLessThan(out.ms);
  });

  it("reports the host's status", async () => {
    const out = await request([endpoint, "--status", "--json"]);
    expect(JSON.parse(out.stdout)).toMatchObject({ service: "llm", backend: "openai", max_inflight: 2 });
  });

  it("exits 1 on an error reply and on a timeout, 2 on bad usage", async () => {
    const wrong = await request([endpoint, "--service", "other", "--data", "{}"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/error wrong_service/);
    const backend = await request([endpoint, "--data", '{"no":"prompt"}']);
    expect(backend.code).toBe(1);
    expect(backend.stdout).toMatch(/error backend_error: backend answered HTTP 400/);
    const unused = await freePort();
    const timeout = await request([`tcp://127.0.0.1:${unused}`, "--data", "{}", "--timeout", "300ms"]);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toMatch(/no reply from tcp:\/\/127\.0\.0\.1:\d+ within 300 ms/);
    expect(timeout.stderr).not.toMatch(/Waiting for queued ZeroMQ messages/);
    const quiet = await request([`tcp://127.0.0.1:${unused}`, "--data", "{}", "--timeout", "300ms", "--json"]);
    expect(quiet.code).toBe(1);
    expect(JSON.parse(quiet.stdout)).toMatchObject({ ok: false, error: { code: "REQUEST_FAILED" } });
    const usage = await request(["not an endpoint"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/not a ZeroMQ endpoint/);
  });

  it("stops on SIGTERM with its backend", async () => {
    // A serve of its own (a plain HTTP backend), so the shared one outlives this test whatever the order.
    const own = await startServe([fixture("slow-ready"), "{port}", "0"]);
    try {
      own.serve.child.kill("SIGTERM");
      expect((await own.serve.exited).code).toBe(143);
      expect(own.serve.stdout.join("\n")).toMatch(/stopped \(received SIGTERM\)/);
      expect(groupMembers(own.serve.pid)).toEqual([]);
    } finally {
      await own.serve.kill();
    }
  });
});
