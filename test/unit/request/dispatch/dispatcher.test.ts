import { afterEach, describe, expect, it } from "vitest";
import { RequestMetrics } from "../../../../engine/metrics/collector.js";
import { ChannelError } from "../../../../engine/request/dispatch/channel.js";
import { Dispatcher, type DispatcherOptions } from "../../../../engine/request/dispatch/dispatcher.js";
import { MemoryChannel, silent } from "./memory-channel.js";

const REQUEST = { method: "POST" as const, path: "/v1/completions", body: { prompt: "hi" } };
const OPTIONS = { source: "test", index: 0 };

let dispatcher: Dispatcher | undefined;
afterEach(async () => {
  await dispatcher?.close();
  dispatcher = undefined;
});

function make(options: Partial<DispatcherOptions> = {}): { dispatcher: Dispatcher; logs: string[] } {
  const logs: string[] = [];
  dispatcher = new Dispatcher({
    service: "llm",
    metrics: new RequestMetrics(),
    requestTimeoutMs: 200,
    maxAttempts: 3,
    instanceCapacity: 4,
    maxInflight: 2,
    probeIntervalMs: 20,
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...options,
  });
  return { dispatcher, logs };
}

describe("Dispatcher over in-memory channels", () => {
  it("balances round-robin and answers with the instance and one attempt", async () => {
    const { dispatcher } = make();
    const a = new MemoryChannel("mem://a", () => ({ body: "a" }));
    const b = new MemoryChannel("mem://b", () => ({ body: "b" }));
    dispatcher.add(0, a);
    dispatcher.add(1, b);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await dispatcher.dispatch(REQUEST, { ...OPTIONS, index: i }));
    expect(results.map((r) => [r.status, r.instance, r.attempts, r.response])).toEqual([
      ["ok", 0, 1, "a"],
      ["ok", 1, 1, "b"],
      ["ok", 0, 1, "a"],
      ["ok", 1, 1, "b"],
    ]);
  });

  it("retries a timeout on another instance and takes the silent one out of rotation", async () => {
    const { dispatcher, logs } = make({ requestTimeoutMs: 50 });
    const dead = new MemoryChannel("mem://dead", silent);
    dead.alive = false;
    dispatcher.add(0, dead);
    dispatcher.add(1, new MemoryChannel("mem://ok", () => ({ body: "ok" })));
    const result = await dispatcher.dispatch(REQUEST, OPTIONS);
    expect(result).toMatchObject({ status: "ok", instance: 1, attempts: 2 });
    expect(logs.some((l) => l.startsWith("warn: llm.0 out of rotation"))).toBe(true);
    // Out of rotation: the next request goes straight to the other instance.
    expect(await dispatcher.dispatch(REQUEST, OPTIONS)).toMatchObject({ instance: 1, attempts: 1 });
  });

  it("passes a 4xx on without a retry", async () => {
    const { dispatcher } = make();
    const refusing = new MemoryChannel("mem://400", () => ({ status: 400, body: { error: "bad" } }));
    dispatcher.add(0, refusing);
    const bad = await dispatcher.dispatch(REQUEST, OPTIONS);
    expect(bad).toMatchObject({ status: "error", error_kind: "backend", http_status: 400, attempts: 1 });
    expect(bad.response).toEqual({ error: "bad" });
    expect(refusing.calls).toBe(1);
  });

  it("retries a 5xx on another instance", async () => {
    const { dispatcher } = make();
    dispatcher.add(0, new MemoryChannel("mem://500", () => ({ status: 503, body: "busy" })));
    dispatcher.add(1, new MemoryChannel("mem://ok", () => ({ body: "ok" })));
    expect(await dispatcher.dispatch(REQUEST, OPTIONS)).toMatchObject({ status: "ok", instance: 1, attempts: 2 });
  });

  it("reads a rejection as a full instance: retried, and the instance stays in rotation", async () => {
    const { dispatcher, logs } = make();
    dispatcher.add(
      0,
      new MemoryChannel("mem://full", () => Promise.reject(new ChannelError("rejected", "queue full"))),
    );
    dispatcher.add(1, new MemoryChannel("mem://ok", () => ({ body: "ok" })));
    expect(await dispatcher.dispatch(REQUEST, OPTIONS)).toMatchObject({ status: "ok", instance: 1, attempts: 2 });
    expect(logs.filter((l) => l.includes("out of rotation"))).toEqual([]);
  });

  it("rejects at once when every instance in rotation is full", async () => {
    const { dispatcher } = make({ instanceCapacity: 1 });
    dispatcher.add(0, new MemoryChannel("mem://slow", silent));
    const held = dispatcher.dispatch(REQUEST, OPTIONS);
    const result = await dispatcher.dispatch(REQUEST, OPTIONS);
    expect(result).toMatchObject({ status: "error", error_kind: "rejected", attempts: 0 });
    expect(result.error).toContain("every instance of llm is full");
    await dispatcher.close();
    expect((await held).status).toBe("error");
  });

  it("ends with unavailable when no instance is in rotation within the attempts' time", async () => {
    const { dispatcher } = make({ requestTimeoutMs: 20, maxAttempts: 2 });
    const result = await dispatcher.dispatch(REQUEST, OPTIONS);
    expect(result).toMatchObject({ status: "error", error_kind: "unavailable", attempts: 0 });
    expect(result.error).toBe("no instance of llm in rotation within 40 ms");
  });

  it("does not retry a canceled request", async () => {
    const { dispatcher } = make();
    const a = new MemoryChannel("mem://a", silent);
    const b = new MemoryChannel("mem://b", () => ({ body: "b" }));
    dispatcher.add(0, a);
    dispatcher.add(1, b);
    const controller = new AbortController();
    const pending = dispatcher.dispatch(REQUEST, { ...OPTIONS, signal: controller.signal });
    controller.abort();
    expect(await pending).toMatchObject({ status: "error", error_kind: "canceled", error: "canceled", attempts: 1 });
    expect(b.calls).toBe(0);
  });

  it("does not retry a stream that failed after a piece went out", async () => {
    const { dispatcher } = make();
    const pieces: string[] = [];
    dispatcher.add(
      0,
      new MemoryChannel("mem://a", (request) => {
        request.onPiece?.(Buffer.from("data: 1\n\n"));
        throw new ChannelError("unreachable", "connection reset");
      }),
    );
    dispatcher.add(1, new MemoryChannel("mem://b", () => ({ body: "b" })));
    const result = await dispatcher.dispatch(
      { ...REQUEST, onPiece: (piece) => pieces.push(piece.toString()) },
      OPTIONS,
    );
    expect(result).toMatchObject({ status: "error", error_kind: "unavailable", attempts: 1 });
    expect(result.error).toContain("after 1 streamed piece(s); not retried");
    expect(pieces).toEqual(["data: 1\n\n"]);
  });

  it("retries the requests in flight on an instance that is removed", async () => {
    const { dispatcher } = make();
    const leaving = new MemoryChannel("mem://leaving", silent);
    dispatcher.add(0, leaving);
    const pending = dispatcher.dispatch(REQUEST, OPTIONS);
    await new Promise((resolve) => setTimeout(resolve, 5));
    dispatcher.add(1, new MemoryChannel("mem://ok", () => ({ body: "ok" })));
    await dispatcher.remove(0);
    expect(await pending).toMatchObject({ status: "ok", instance: 1, attempts: 2 });
  });

  it("gives up after maxAttempts and says so", async () => {
    const { dispatcher } = make({ maxAttempts: 2 });
    dispatcher.add(0, new MemoryChannel("mem://a", () => ({ status: 500, body: "a" })));
    dispatcher.add(1, new MemoryChannel("mem://b", () => ({ status: 500, body: "b" })));
    const result = await dispatcher.dispatch(REQUEST, OPTIONS);
    expect(result).toMatchObject({ status: "error", error_kind: "backend", attempts: 2, http_status: 500 });
    expect(result.error).toMatch(/answered HTTP 500: [ab] \(after 2 attempts\)$/);
  });
});
