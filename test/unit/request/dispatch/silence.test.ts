/**
 * The silence rule on its own, over in-memory channels: one instance
 * answers at once, the other holds every request until it is closed (a
 * hung process), then wakes.
 */
import { describe, expect, it } from "vitest";
import { RequestMetrics } from "../../../../engine/metrics/collector.js";
import { ChannelError, type ChannelReply, type InstanceChannel } from "../../../../engine/request/dispatch/channel.js";
import { Dispatcher } from "../../../../engine/request/dispatch/dispatcher.js";
import { waitUntil } from "../../../helpers/processes.js";

const TIMING = { communication_ms: 0, service_ms: 0, inference_ms: 0, total_ms: 1 };

function fastChannel(name: string): InstanceChannel {
  return {
    endpoint: name,
    request: async () => ({ status: 200, body: name, timing: TIMING, stamps: {} }) satisfies ChannelReply,
    ping: async () => true,
    close: async () => {},
  };
}

/** Holds requests until closed; `wake` answers the held ones late (what a resumed process would do). */
function hungChannel(name: string) {
  const held: Array<{ resolve: (reply: ChannelReply) => void; reject: (error: Error) => void }> = [];
  let closed = false;
  const channel: InstanceChannel = {
    endpoint: name,
    request: () => new Promise((resolve, reject) => held.push({ resolve, reject })),
    ping: (timeoutMs) => new Promise((resolve) => setTimeout(() => resolve(false), timeoutMs)),
    close: async () => {
      closed = true;
      for (const h of held.splice(0)) h.reject(new ChannelError("closed", "closed"));
    },
  };
  const wake = () => {
    for (const h of held.splice(0)) h.resolve({ status: 200, body: `${name} late`, timing: TIMING, stamps: {} });
  };
  return { channel, held, wake, isClosed: () => closed };
}

describe("Dispatcher silence rule", () => {
  it("stops feeding an instance that answers nothing with requests in flight, reports it, and retries its requests once it is removed", async () => {
    const suspects: Array<{ instance: number; why: string; checkMs?: number }> = [];
    const dispatcher = new Dispatcher({
      service: "echo",
      metrics: new RequestMetrics(),
      requestTimeoutMs: 60_000,
      maxAttempts: 3,
      instanceCapacity: 100,
      maxInflight: 8,
      livenessPeriodMs: 5_000,
      onSuspect: (instance, why, checkMs) =>
        suspects.push({ instance, why, ...(checkMs === undefined ? {} : { checkMs }) }),
    });
    const hung = hungChannel("hung");
    dispatcher.add(0, fastChannel("fast"));
    // Replies of the healthy instance teach the dispatcher how long replies usually take.
    for (let i = 0; i < 50; i++)
      await dispatcher.dispatch({ method: "POST", path: "/v1/completions" }, { source: "t", index: i });
    dispatcher.add(1, hung.channel);
    const stuck = Array.from({ length: 8 }, (_, i) =>
      dispatcher.dispatch({ method: "POST", path: "/v1/completions" }, { source: "t", index: 100 + i }),
    );
    expect(hung.held.length).toBeGreaterThan(0);
    const started = performance.now();
    await waitUntil(() => suspects.length > 0, { what: "a suspicion", timeoutMs: 5_000 });
    // At the floor (0.5 s) since replies take about 1 ms, not the 5 s liveness period.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(suspects[0]).toMatchObject({ instance: 1, checkMs: 500 });
    expect(suspects[0]?.why).toMatch(
      /answered nothing for \d+ ms with \d+ request\(s\) in flight; replies usually take/,
    );
    // Out of rotation: new requests all go to the healthy instance.
    const after = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        dispatcher.dispatch({ method: "POST", path: "/v1/completions" }, { source: "t", index: 200 + i }),
      ),
    );
    expect(after.map((r) => r.instance)).toEqual(Array(10).fill(0));
    // Declared dead (the engine withdraws it): its requests are retried and answered once, by the other.
    await dispatcher.remove(1);
    const results = await Promise.all(stuck);
    expect(results.map((r) => [r.status, r.instance])).toEqual(Array(stuck.length).fill(["ok", 0]));
    expect(results.every((r) => r.attempts === 2 || r.instance === 0)).toBe(true);
    // It wakes and answers late: nobody is waiting any more.
    hung.wake();
    expect(hung.isClosed()).toBe(true);
    await dispatcher.close();
  });

  it("leaves a service with liveness off alone", async () => {
    const suspects: number[] = [];
    const dispatcher = new Dispatcher({
      service: "echo",
      metrics: new RequestMetrics(),
      requestTimeoutMs: 60_000,
      maxAttempts: 3,
      instanceCapacity: 100,
      maxInflight: 8,
      onSuspect: (instance) => suspects.push(instance),
    });
    const hung = hungChannel("hung");
    dispatcher.add(0, hung.channel);
    const stuck = dispatcher.dispatch({ method: "POST", path: "/v1/completions" }, { source: "t", index: 0 });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(suspects).toEqual([]);
    await dispatcher.close();
    expect((await stuck).status).toBe("error");
  });

  it("reports an instance whose requests time out while another answers", async () => {
    const suspects: Array<{ instance: number; why: string; checkMs?: number }> = [];
    const dispatcher = new Dispatcher({
      service: "echo",
      metrics: new RequestMetrics(),
      requestTimeoutMs: 60_000,
      maxAttempts: 3,
      instanceCapacity: 100,
      maxInflight: 8,
      livenessPeriodMs: 5_000,
      onSuspect: (instance, why, checkMs) =>
        suspects.push({ instance, why, ...(checkMs === undefined ? {} : { checkMs }) }),
    });
    const timingOut: InstanceChannel = {
      endpoint: "slow",
      request: async () => {
        throw new ChannelError("timeout", "no reply from slow within 100 ms");
      },
      ping: async () => false,
      close: async () => {},
    };
    dispatcher.add(0, fastChannel("fast"));
    dispatcher.add(1, timingOut);
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        dispatcher.dispatch({ method: "POST", path: "/v1/completions" }, { source: "t", index: i }),
      ),
    );
    expect(results.every((r) => r.status === "ok" && r.instance === 0)).toBe(true);
    // Checked with the service's own liveness timeout: no silence threshold applies.
    expect(suspects).toEqual([{ instance: 1, why: "no reply from slow within 100 ms" }]);
    await dispatcher.close();
  });
});
