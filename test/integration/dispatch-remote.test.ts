/**
 * Remote instances, started outside the workload and reached over loopback:
 * a `flotilla serve` process (tcp://) in front of the real-model server, and
 * the real-model server itself as a plain OpenAI-compatible endpoint
 * (http://). One inference task balances over both.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { type ModelServer, type Spawned, spawnCli, startModelServer } from "../helpers/host-process.js";
import { freePort } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

let model: ModelServer;
let serve: Spawned;
let zmqPort: number;

beforeAll(async () => {
  model = await startModelServer();
  zmqPort = await freePort();
  // Its own service name: a remote host may serve under any name.
  serve = spawnCli([
    "serve",
    "--backend",
    "openai",
    "--backend-url",
    model.url,
    "--port",
    String(zmqPort),
    "--service",
    "elsewhere",
    "--max-inflight",
    "2",
    // Authentication has its own tests (zmq-auth*.test.ts); this one is about balancing.
    "--insecure",
  ]);
  await serve.line(/listening on tcp:\/\//, 90_000);
}, 180_000);

afterAll(async () => {
  await serve?.kill();
  await model?.process.kill();
});

describe("remote instances", () => {
  it("balances one inference task over a remote flotilla serve and a plain OpenAI server, with real tokens", async () => {
    const dir = tempDir("flotilla-remote-");
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: far
    backend: openai
    endpoints: ["tcp://127.0.0.1:${zmqPort}", "http://127.0.0.1:${model.port}/v1"]
tasks:
  - name: chat
    service: far
    requests: chat.jsonl
    concurrency: 2
    request_timeout: 60s
`,
    );
    writeFileSync(
      join(dir, "chat.jsonl"),
      Array.from({ length: 6 }, (_, i) =>
        JSON.stringify({ model: "tiny-llama", messages: [{ role: "user", content: `question ${i}` }], max_tokens: 6 }),
      ).join("\n"),
    );
    const session = join(dir, "session");
    const result = await startCli(["run", "workload.yaml", "--json", "--session-dir", session], { cwd: dir }).done;
    expect(result.code, result.stderr).toBe(0);
    const events = parseNdjson(result.stdout);
    const ready = ofType(events, "service:state")
      .filter((e) => e.state === "ready")
      .sort((a, b) => a.instance - b.instance);
    expect(ready.map((e) => [e.instance, e.remote, e.node, e.zmq])).toEqual([
      [0, true, "remote", `tcp://127.0.0.1:${zmqPort}`],
      [1, true, "remote", undefined],
    ]);
    const responses = readFileSync(join(session, "tasks", "chat", "responses.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill("ok"));
    expect(new Set(responses.map((r) => r.instance))).toEqual(new Set([0, 1]));
    for (const r of responses) {
      expect(r.response.model).toBe("tiny-llama");
      expect(r.response.usage.completion_tokens).toBeGreaterThan(0);
      expect(typeof r.response.choices[0].message.content).toBe("string");
    }
    // Through the remote host the breakdown has host and backend parts; over plain HTTP it is all inference.
    const viaHost = responses.find((r) => r.instance === 0);
    expect(viaHost.inference_ms).toBeGreaterThan(0);
    expect(viaHost.service_ms).toBeGreaterThanOrEqual(0);
    const viaHttp = responses.find((r) => r.instance === 1);
    expect(viaHttp.service_ms).toBe(0);
    expect(viaHttp.inference_ms).toBeCloseTo(viaHttp.total_ms, 3);
  });
});
