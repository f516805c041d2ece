/**
 * Draining an instance (a service scaling down): it gets no new request, the
 * ones it has run to their end, and the drain ends when it has none left, or
 * at the timeout with them still there.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RequestMetrics } from "../../../../engine/metrics/collector.js";
import { Dispatcher } from "../../../../engine/request/dispatch/dispatcher.js";
import { MemoryChannel, silent } from "./memory-channel.js";

const REQUEST = { method: "POST" as const, path: "/v1/completions", body: { prompt: "hi" } };

let dispatcher: Dispatcher | undefined;
afterEach(async () => {
  await dispatcher?.close();
  dispatcher = undefined;
});

function make(): Dispatcher {
  dispatcher = new Dispatcher({
    service: "llm",
    metrics: new RequestMetrics(),
    requestTimeoutMs: 2_000,
    maxAttempts: 3,
    instanceCapacity: 8,
    maxInflight: 4,
    probeIntervalMs: 20,
  });
  return dispatcher;
}

/** A handler the test releases by hand: each call waits for `release()`. */
function gate() {
  const waiting: Array<() => void> = [];
  return {
    handler: () => new Promise<Partial<{ body: unknown }>>((resolve) => waiting.push(() => resolve({ body: "done" }))),
    release: () => {
      for (const go of waiting.splice(0)) go();
    },
    get held() {
      return waiting.length;
    },
  };
}

describe("Dispatcher.drain", () => {
  it("sends nothing new to a draining instance and ends when its requests have been answered", async () => {
    const d = make();
    const slow = gate();
    d.add(0, new MemoryChannel("mem://0", () => ({ body: "zero" })));
    d.add(1, new MemoryChannel("mem://1", slow.handler));
    // Round robin: indexes 0 and 2 go to instance 0, 1 and 3 to instance 1 (held).
    const first = [0, 1, 2, 3].map((index) => d.dispatch(REQUEST, { source: "t", index }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.load()).toEqual({ outstanding: 2, instances: 2 });
    let drained: string | undefined;
    const draining = d.drain(1, 5_000).then((how) => {
      drained = how;
    });
    // A draining instance leaves the load and the rotation at once.
    expect(d.load()).toEqual({ outstanding: 0, instances: 1 });
    const later = await Promise.all([4, 5, 6].map((index) => d.dispatch(REQUEST, { source: "t", index })));
    expect(later.map((r) => r.instance)).toEqual([0, 0, 0]);
    expect(drained).toBeUndefined();
    slow.release();
    await draining;
    expect(drained).toBe("drained");
    const answered = await Promise.all(first);
    // Its requests in flight were answered by it, once, not retried elsewhere.
    expect(answered.map((r) => [r.status, r.instance, r.attempts])).toEqual([
      ["ok", 0, 1],
      ["ok", 1, 1],
      ["ok", 0, 1],
      ["ok", 1, 1],
    ]);
  });

  it("ends at once for an idle instance, reports an unknown one, and times out on a stuck one", async () => {
    const d = make();
    d.add(0, new MemoryChannel("mem://0", () => ({})));
    d.add(1, new MemoryChannel("mem://1", silent));
    expect(await d.drain(0, 1_000)).toBe("drained");
    expect(await d.drain(7, 1_000)).toBe("absent");
    const stuck = d.dispatch(REQUEST, { source: "t", index: 0, timeoutMs: 5_000, maxAttempts: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await d.drain(1, 50)).toBe("timeout");
    // Removing it (the instance stops) ends what it still had.
    await d.remove(1);
    expect((await stuck).status).toBe("error");
  });

  it("counts requests waiting for an instance in the load", async () => {
    const d = make();
    const pending = d.dispatch(REQUEST, { source: "t", index: 0, timeoutMs: 2_000, maxAttempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(d.load()).toEqual({ outstanding: 1, instances: 0 });
    d.add(0, new MemoryChannel("mem://0", () => ({})));
    expect((await pending).status).toBe("ok");
    expect(d.load()).toEqual({ outstanding: 0, instances: 1 });
  });
});
