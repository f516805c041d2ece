import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Dispatcher } from "../../engine/request/dispatch/dispatcher.js";
import { ZmqChannel } from "../../engine/request/dispatch/zmq-channel.js";
import type { ServiceHost } from "../../engine/request/host/server.js";
import { readRequests } from "../../engine/request/inference/requests.js";
import { describeSummary, runInferenceTask } from "../../engine/request/inference/task.js";
import { newDispatcher, startNoopHost } from "./dispatch-hosts.js";

const hosts: ServiceHost[] = [];
const dispatchers: Dispatcher[] = [];
let dir = "";

afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  await Promise.all(hosts.splice(0).map((h) => h.stop(100)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function requestsFile(lines: string[]): string {
  dir = mkdtempSync(join(tmpdir(), "flotilla-inference-"));
  const path = join(dir, "prompts.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const readJsonl = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));

describe("inference tasks", () => {
  it("writes one record per request in input order, whatever order they finish in", async () => {
    // One fast and one slow instance: replies come back out of order.
    const fast = await startNoopHost("echo", { delayMs: 1 });
    const slow = await startNoopHost("echo", { delayMs: 30 });
    hosts.push(fast, slow);
    const { dispatcher } = newDispatcher("echo");
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(fast.endpoint, "echo"));
    dispatcher.add(1, new ZmqChannel(slow.endpoint, "echo"));
    const lines = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? JSON.stringify({ prompt: `p${i}`, max_tokens: 4 })
        : JSON.stringify({ messages: [{ role: "user", content: `m${i}` }] }),
    );
    const path = requestsFile(["", ...lines.slice(0, 20), "   ", ...lines.slice(20)]);
    const requests = await readRequests(path);
    expect(requests).toHaveLength(40);
    expect(requests[1]).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    const outputPath = join(dir, "responses", "prompts.jsonl");
    const summary = await runInferenceTask({
      task: "prompts",
      requests,
      dispatcher,
      concurrency: 8,
      balance: "round_robin",
      requestTimeoutMs: 5_000,
      maxAttempts: 3,
      outputPath,
    });
    expect(summary).toMatchObject({ total: 40, ok: 40, errors: 0 });
    const records = readJsonl(outputPath);
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(records.every((r) => r.status === "ok" && r.attempts === 1)).toBe(true);
    expect(new Set(records.map((r) => r.instance))).toEqual(new Set([0, 1]));
    expect(records[0].response.choices[0].text).toBe("p0");
    expect(records[1].response.choices[0].message.content).toBe("m1");
    for (const key of ["communication_ms", "service_ms", "inference_ms", "total_ms"]) {
      expect(typeof records[5][key]).toBe("number");
    }
    expect(describeSummary(summary).error).toBeUndefined();
  });

  it("records every failed request and says how many failed", async () => {
    const host = await startNoopHost("tiny", { delayMs: 200, maxInflight: 1, maxQueue: 0 });
    hosts.push(host);
    const { dispatcher } = newDispatcher("tiny", { instanceCapacity: 1, maxInflight: 1 });
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(host.endpoint, "tiny"));
    const path = requestsFile(Array.from({ length: 4 }, (_, i) => JSON.stringify({ prompt: String(i) })));
    const outputPath = join(dir, "responses", "tiny.jsonl");
    const summary = await runInferenceTask({
      task: "tiny",
      requests: await readRequests(path),
      dispatcher,
      concurrency: 4,
      balance: "least_outstanding",
      requestTimeoutMs: 5_000,
      maxAttempts: 1,
      outputPath,
    });
    expect(summary).toMatchObject({ total: 4, ok: 1, errors: 3, errorKinds: { rejected: 3 } });
    const records = readJsonl(outputPath);
    expect(records.map((r) => r.status)).toEqual(["ok", "error", "error", "error"]);
    expect(records[1]).toMatchObject({ error_kind: "rejected", attempts: 0, instance: null, total_ms: null });
    expect(describeSummary(summary).error).toMatch(/^3 of 4 requests failed \(3 rejected\)/);
  });

  it("accounts for every request when the task is stopped part-way", async () => {
    const host = await startNoopHost("slow", { delayMs: 50 });
    hosts.push(host);
    const { dispatcher } = newDispatcher("slow");
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(host.endpoint, "slow"));
    const path = requestsFile(Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: String(i) })));
    const outputPath = join(dir, "responses", "slow.jsonl");
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 120);
    const summary = await runInferenceTask({
      task: "slow",
      requests: await readRequests(path),
      dispatcher,
      concurrency: 2,
      balance: "round_robin",
      requestTimeoutMs: 5_000,
      maxAttempts: 3,
      outputPath,
      signal: stop.signal,
    });
    const records = readJsonl(outputPath);
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.ok + summary.errors).toBe(40);
    expect(summary.errorKinds.canceled).toBe(summary.errors);
    expect(records.at(-1)).toMatchObject({ status: "error", error_kind: "canceled", attempts: 0 });
  });

  it("rejects a requests file that is not JSON Lines, naming file and line", async () => {
    const path = requestsFile([JSON.stringify({ prompt: "ok" }), "{oops", "[]"]);
    await expect(readRequests(path)).rejects.toThrow(`${path}:2: not JSON`);
    writeFileSync(path, `${JSON.stringify({ prompt: "ok" })}\n[1]\n`);
    await expect(readRequests(path)).rejects.toThrow(`${path}:2: each line must be a JSON object`);
    await expect(readRequests(join(dir, "missing.jsonl"))).rejects.toThrow(/cannot read requests file/);
  });
});
