import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { leastOutstanding } from "../../engine/request/dispatch/balancer.js";
import type { Dispatcher } from "../../engine/request/dispatch/dispatcher.js";
import { HttpChannel } from "../../engine/request/dispatch/http-channel.js";
import { ZmqChannel } from "../../engine/request/dispatch/zmq-channel.js";
import type { ServiceHost } from "../../engine/request/host/server.js";
import { newDispatcher, spawnNoopHost, startNoopHost } from "./dispatch-hosts.js";

const hosts: ServiceHost[] = [];
const children: ChildProcess[] = [];
const dispatchers: Dispatcher[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  await Promise.all(hosts.splice(0).map((h) => h.stop(100)));
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const completion = (prompt: string) => ({ method: "POST" as const, path: "/v1/completions", body: { prompt } });

async function hostsFor(service: string, n: number, delayMs = 0): Promise<ServiceHost[]> {
  const started = await Promise.all(Array.from({ length: n }, () => startNoopHost(service, { delayMs })));
  hosts.push(...started);
  return started;
}

describe("Dispatcher over real service hosts", () => {
  it("balances round-robin, answers every request, and records the breakdown", async () => {
    // 5 ms of emulated inference: a floor the host's measurement must clear.
    const [a, b, c] = await hostsFor("echo", 3, 5);
    const { dispatcher, metrics } = newDispatcher("echo");
    dispatchers.push(dispatcher);
    for (const [i, host] of [a, b, c].entries()) dispatcher.add(i, new ZmqChannel(host!.endpoint, "echo"));
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => dispatcher.dispatch(completion(`p${i}`), { source: "t", index: i })),
    );
    const elapsed = performance.now() - started;
    expect(results.every((r) => r.status === "ok" && r.attempts === 1)).toBe(true);
    expect(results.map((r) => (r.response as { choices: { text: string }[] }).choices[0]?.text)).toEqual(
      Array.from({ length: 30 }, (_, i) => `p${i}`),
    );
    expect(results.slice(0, 6).map((r) => r.instance)).toEqual([0, 1, 2, 0, 1, 2]);
    const timing = results[0]!.timing!;
    // Not the sum of the parts (timingOf makes it so): the dispatcher's round trip against this test's clock.
    expect(timing.total_ms).toBeGreaterThan(0);
    expect(timing.total_ms).toBeLessThanOrEqual(elapsed);
    expect(timing.inference_ms).toBeGreaterThanOrEqual(4);
    const [echo] = metrics.snapshot(true).services;
    expect(echo).toMatchObject({ completed: 30, errors: 0, retries: 0, inflight: 0 });
    expect(echo?.instances.map((i) => i.completed)).toEqual([10, 10, 10]);
  });

  it("least_outstanding sends more to the instance that answers faster", async () => {
    const [slow] = await hostsFor("mixed", 1, 60);
    const [fast] = await hostsFor("mixed", 1, 0);
    const { dispatcher } = newDispatcher("mixed");
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(slow!.endpoint, "mixed"));
    dispatcher.add(1, new ZmqChannel(fast!.endpoint, "mixed"));
    const balancer = leastOutstanding();
    const counts = [0, 0];
    // Four workers in a closed loop: the fast instance drains and is picked again.
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 10; i++) {
          const r = await dispatcher.dispatch(completion("x"), { source: "t", index: w * 10 + i, balancer });
          counts[r.instance ?? 0]!++;
        }
      }),
    );
    expect(counts[1]).toBeGreaterThan(counts[0]! * 2);
  });

  it("retries the in-flight requests of a SIGKILLed instance elsewhere and takes it out of rotation", async () => {
    const [survivor] = await hostsFor("kill", 1, 20);
    const doomed = await spawnNoopHost("kill", 200);
    children.push(doomed.child);
    const logs: string[] = [];
    const { dispatcher, metrics } = newDispatcher("kill", {
      requestTimeoutMs: 700,
      log: (_level, message) => logs.push(message),
    });
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(survivor!.endpoint, "kill"));
    dispatcher.add(1, new ZmqChannel(doomed.endpoint, "kill"));
    const pending = Array.from({ length: 20 }, (_, i) =>
      dispatcher.dispatch(completion(`k${i}`), { source: "t", index: i }),
    );
    await new Promise((r) => setTimeout(r, 50));
    doomed.child.kill("SIGKILL");
    const results = await Promise.all(pending);
    expect(results.every((r) => r.status === "ok")).toBe(true);
    expect(results.filter((r) => r.attempts === 2).length).toBe(10);
    expect(results.every((r) => r.instance === 0)).toBe(true);
    expect(logs.some((m) => m.includes("kill.1 out of rotation"))).toBe(true);
    // Out of rotation: new requests go straight to the survivor.
    const after = await dispatcher.dispatch(completion("later"), { source: "t", index: 99 });
    expect(after).toMatchObject({ status: "ok", instance: 0, attempts: 1 });
    expect(metrics.snapshot(true).services[0]).toMatchObject({ completed: 21, errors: 0, retries: 10 });
  });

  it("retries at once when the engine removes an instance that died", async () => {
    const [a] = await hostsFor("gone", 1, 0);
    const [b] = await hostsFor("gone", 1, 2_000);
    const { dispatcher } = newDispatcher("gone");
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(a!.endpoint, "gone"));
    dispatcher.add(1, new ZmqChannel(b!.endpoint, "gone"));
    const started = performance.now();
    const pending = Array.from({ length: 4 }, (_, i) =>
      dispatcher.dispatch(completion("x"), { source: "t", index: i }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await dispatcher.remove(1);
    const results = await Promise.all(pending);
    expect(results.every((r) => r.status === "ok" && r.instance === 0)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("rejects explicitly when every instance is full", async () => {
    const [host] = await hostsFor("full", 1, 300);
    const { dispatcher, metrics } = newDispatcher("full", { instanceCapacity: 2, maxInflight: 1 });
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(host!.endpoint, "full"));
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => dispatcher.dispatch(completion("x"), { source: "t", index: i })),
    );
    expect(results.filter((r) => r.status === "ok").length).toBe(2);
    const rejected = results.filter((r) => r.status === "error");
    expect(rejected.length).toBe(3);
    expect(rejected[0]).toMatchObject({ error_kind: "rejected", attempts: 0 });
    expect(rejected[0]?.error).toContain("every instance of full is full");
    expect(metrics.snapshot(true).services[0]).toMatchObject({ rejected: 3, errors: 3, completed: 2 });
  });

  it("passes on the host's own rejection when its queue is full", async () => {
    const [host] = await hostsFor("hostfull", 1, 0);
    await host!.stop(0);
    hosts.length = 0;
    const small = await startNoopHost("hostfull", { delayMs: 300, maxInflight: 1, maxQueue: 0 });
    hosts.push(small);
    const { dispatcher } = newDispatcher("hostfull", { maxAttempts: 1 });
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(small.endpoint, "hostfull"));
    const [first, second] = await Promise.all([
      dispatcher.dispatch(completion("a"), { source: "t", index: 0 }),
      dispatcher.dispatch(completion("b"), { source: "t", index: 1 }),
    ]);
    expect(first?.status).toBe("ok");
    expect(second).toMatchObject({ status: "error", error_kind: "rejected", attempts: 1 });
  });

  it("waits a bounded time for an instance, and serves one that joins meanwhile", async () => {
    const { dispatcher } = newDispatcher("late", { requestTimeoutMs: 300, maxAttempts: 1 });
    dispatchers.push(dispatcher);
    const started = performance.now();
    const none = await dispatcher.dispatch(completion("x"), { source: "t", index: 0 });
    expect(none).toMatchObject({ status: "error", error_kind: "unavailable", attempts: 0 });
    expect(performance.now() - started).toBeLessThan(1_000);
    const waiting = dispatcher.dispatch(completion("y"), { source: "t", index: 1 });
    const [host] = await hostsFor("late", 1);
    dispatcher.add(0, new ZmqChannel(host!.endpoint, "late"));
    expect(await waiting).toMatchObject({ status: "ok", instance: 0 });
  });

  it("ends a request with a timeout error when its only instance never answers", async () => {
    const silent = await spawnNoopHost("silent", 0);
    children.push(silent.child);
    silent.child.kill("SIGSTOP");
    const { dispatcher } = newDispatcher("silent", { requestTimeoutMs: 200, maxAttempts: 2 });
    dispatchers.push(dispatcher);
    dispatcher.add(0, new ZmqChannel(silent.endpoint, "silent"));
    const started = performance.now();
    const result = await dispatcher.dispatch(completion("x"), { source: "t", index: 0 });
    expect(result).toMatchObject({ status: "error", error_kind: "timeout", attempts: 1 });
    expect(result.error).toContain("no other instance");
    expect(performance.now() - started).toBeLessThan(1_000);
    silent.child.kill("SIGKILL");
  });
});

describe("Dispatcher over remote OpenAI-compatible HTTP servers", () => {
  async function openAiServer(handler: (path: string, body: string) => [number, unknown]): Promise<string> {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const [status, reply] = handler(req.url ?? "", body);
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(reply));
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  it("reads llama.cpp timings as inference time and passes 4xx on without retrying", async () => {
    const endpoint = await openAiServer((path, body) =>
      path === "/v1/completions" && JSON.parse(body).prompt === "bad"
        ? [400, { error: { message: "bad prompt" } }]
        : [200, { choices: [{ text: "ok" }], timings: { prompt_ms: 0.5, predicted_ms: 0.25 } }],
    );
    const { dispatcher } = newDispatcher("far");
    dispatchers.push(dispatcher);
    dispatcher.add(0, new HttpChannel(endpoint), true);
    const ok = await dispatcher.dispatch(completion("hi"), { source: "t", index: 0 });
    expect(ok).toMatchObject({ status: "ok", instance: 0, http_status: 200 });
    expect(ok.timing?.inference_ms).toBe(0.75);
    expect(ok.timing?.service_ms).toBe(0);
    expect(ok.timing!.communication_ms).toBeCloseTo(ok.timing!.total_ms - 0.75, 6);
    const bad = await dispatcher.dispatch(completion("bad"), { source: "t", index: 1 });
    expect(bad).toMatchObject({ status: "error", error_kind: "backend", http_status: 400, attempts: 1 });
    expect(bad.response).toEqual({ error: { message: "bad prompt" } });
  });

  it("retries a 5xx elsewhere and brings an unreachable server back into rotation once it answers", async () => {
    const failing = await openAiServer(() => [500, { error: { message: "boom" } }]);
    const good = await openAiServer(() => [200, { choices: [{ text: "fine" }] }]);
    // A port nothing listens on yet.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const logs: string[] = [];
    const { dispatcher } = newDispatcher("far", { log: (_l, m) => logs.push(m) });
    dispatchers.push(dispatcher);
    dispatcher.add(0, new HttpChannel(failing), true);
    dispatcher.add(1, new HttpChannel(`http://127.0.0.1:${port}/v1`), true);
    dispatcher.add(2, new HttpChannel(good), true);
    const result = await dispatcher.dispatch(completion("x"), { source: "t", index: 0 });
    expect(result).toMatchObject({ status: "ok", instance: 2, attempts: 3 });
    expect(logs.some((m) => m.startsWith("far.1 out of rotation"))).toBe(true);
    const late = createServer((_req, res) => res.end("{}"));
    servers.push(late);
    await new Promise<void>((r) => late.listen(port, "127.0.0.1", r));
    const deadline = Date.now() + 5_000;
    while (!logs.some((m) => m.startsWith("far.1 back in rotation")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(logs.some((m) => m.startsWith("far.1 back in rotation"))).toBe(true);
  });
});
