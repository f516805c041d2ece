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
const server = newKeyPair();
const client = newKeyPair();

/** `flotilla serve --backend noop` over CURVE, answering the client key written in beforeAll. */
async function startServe(): Promise<{ serve: Spawned; endpoint: string }> {
  const proc = spawnCli([
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
  const match = await proc.line(/listening on (tcp:\/\/\S+)/);
  return { serve: proc, endpoint: match[1] as string };
}

beforeAll(async () => {
  writePrivateFile(join(dir.path, "host.key_secret"), certificateText(server));
  writePrivateFile(join(dir.path, "client.key"), certificateText({ publicKey: client.publicKey }));
  ({ serve, endpoint } = await startServe());
  keysFile = join(dir.path, "echo.zmq.json");
  writeKeysFile(keysFile, { [endpoint]: keysEntry({ serverKey: server.publicKey, ...client }) });
});

afterAll(async () => {
  await serve?.kill();
  dir.remove();
});

describe("a Python client written from docs/protocol.md", () => {
  it("gets every reply with the host's timestamps and a consistent timing breakdown", async () => {
    const started = performance.now();
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
    const clientMs = performance.now() - started;
    const out = JSON.parse(stdout);
    const results = out.results as Result[];
    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const r of results) {
      expect(r.kind).toBe("reply");
      expect(r.host).toMatch(/^echo@/);
      expect(JSON.parse(r.payload)).toEqual({ prompt: "hi" });
      expect(r.ts.received).toBeLessThanOrEqual(r.ts.backend_start as number);
      expect(r.ts.backend_end).toBeLessThanOrEqual(r.ts.sent as number);
      // Checked against clocks the breakdown is not computed from: the host's stamps, the
      // emulated delay it was told to use (20 ± 2 ms; 10 is five deviations below), and this
      // test's own timing of the whole client process. The client's sums would hold anyway.
      expect(r.timing.inference_ms).toBeGreaterThanOrEqual(10);
      expect(r.timing.total_ms).toBeGreaterThanOrEqual((r.ts.sent as number) - (r.ts.received as number));
      expect(r.timing.total_ms).toBeLessThan(clientMs);
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
    // A serve of its own: stopping the shared one would break any test that ran after this.
    const own = await startServe();
    try {
      own.serve.child.kill("SIGINT");
      expect((await own.serve.exited).code).toBe(130);
      expect(own.serve.stdout.join("\n")).toMatch(/stopped \(received SIGINT\); received \d+, completed \d+/);
    } finally {
      await own.serve.kill();
    }
  });
});
