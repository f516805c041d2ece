/**
 * docs/protocol.md is enough to write a client: test/fixtures/python/client.py
 * was written from it alone, with Debian's python3-zmq and python3-msgpack,
 * and talks to a real `flotilla serve --backend noop` here, over CURVE with
 * the keys file a task gets (FLOTILLA_SERVICE_<NAME>_ZMQ_KEYS).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysEntry, writeKeysFile } from "../../engine/request/auth/client-keys.js";
import { certificateText, writePrivateFile } from "../../engine/request/auth/key-files.js";
import { newKeyPair } from "../../engine/request/auth/new-key-pair.js";
import { ROOT, type Spawned, spawnCli } from "../helpers/host-process.js";
import { suiteTempDir } from "../helpers/tmp.js";

const run = promisify(execFile);
// Debian's interpreter: a pyenv python3 earlier on PATH cannot import Debian's dist-packages.
const PYTHON = "/usr/bin/python3";
const CLIENT = join(ROOT, "test/fixtures/python/client.py");

interface Result {
  id: number;
  kind: string;
  host: string;
  payload: string;
  ts: Record<string, number>;
  timing: { communication_ms: number; service_ms: number; inference_ms: number; total_ms: number };
}

let serve: Spawned;
let endpoint: string;
let keysFile: string;
const dir = suiteTempDir();

beforeAll(async () => {
  const server = newKeyPair();
  const client = newKeyPair();
  writePrivateFile(join(dir.path, "host.key_secret"), certificateText(server));
  writePrivateFile(join(dir.path, "client.key"), certificateText({ publicKey: client.publicKey }));
  serve = spawnCli([
    "serve",
    "--backend",
    "noop",
    "--service",
    "echo",
    "--port",
    "0",
    "--delay-mean",
    "20",
    "--delay-sd",
    "2",
    "--max-inflight",
    "4",
    "--curve-secret",
    join(dir.path, "host.key_secret"),
    "--curve-clients",
    join(dir.path, "client.key"),
  ]);
  const match = await serve.line(/listening on (tcp:\/\/\S+)/);
  endpoint = match[1] as string;
  keysFile = join(dir.path, "echo.zmq.json");
  writeKeysFile(keysFile, { [endpoint]: keysEntry({ serverKey: server.publicKey, ...client }) });
});

afterAll(async () => {
  await serve?.kill();
  dir.remove();
});

describe("a Python client written from docs/protocol.md", () => {
  it("gets every reply with the host's timestamps and a consistent timing breakdown", async () => {
    const { stdout } = await run(
      PYTHON,
      [
        CLIENT,
        endpoint,
        "--service",
        "echo",
        "--count",
        "40",
        "--window",
        "8",
        "--data",
        '{"prompt":"hi"}',
        "--keys",
        keysFile,
      ],
      { timeout: 60_000 },
    );
    const out = JSON.parse(stdout);
    const results = out.results as Result[];
    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const r of results) {
      expect(r.kind).toBe("reply");
      expect(r.host).toMatch(/^echo@/);
      expect(JSON.parse(r.payload)).toEqual({ prompt: "hi" });
      expect(r.ts.received).toBeLessThanOrEqual(r.ts.backend_start as number);
      expect(r.ts.backend_end).toBeLessThanOrEqual(r.ts.sent as number);
      expect(r.timing.inference_ms).toBeGreaterThan(0);
      expect(r.timing.communication_ms).toBeGreaterThanOrEqual(0);
      expect(r.timing.service_ms).toBeGreaterThanOrEqual(0);
      const sum = r.timing.communication_ms + r.timing.service_ms + r.timing.inference_ms;
      expect(sum).toBeCloseTo(r.timing.total_ms, 6);
    }
    // Eight in flight through four slots: some requests queued in the host.
    expect(results.some((r) => (r.ts.dequeued as number) - (r.ts.received as number) > 1)).toBe(true);

    expect(out.pong).toMatchObject({ v: 1, id: "ping-1", kind: "pong", service: "echo" });
    expect(out.status_kind).toBe("status");
    expect(out.status).toMatchObject({ service: "echo", backend: "noop", max_inflight: 4, inflight: 0, auth: "curve" });
    expect(out.status.counters.completed).toBeGreaterThanOrEqual(40);
    expect(out.wrong_service).toMatchObject({ id: "wrong-1", kind: "error", error: { code: "wrong_service" } });
    expect(out.garbage).toMatchObject({ id: null, kind: "error", error: { code: "malformed", retryable: false } });
  });

  it("is also what the human `serve` output promises: counters on stop", async () => {
    serve.child.kill("SIGINT");
    expect((await serve.exited).code).toBe(130);
    expect(serve.stdout.join("\n")).toMatch(/stopped \(received SIGINT\); received \d+, completed \d+/);
  });
});
