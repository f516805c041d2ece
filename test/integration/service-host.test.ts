/**
 * The service host over real ZeroMQ sockets, with the noop backend, on every
 * transport: many requests in flight, the queue limit, expiry, timeouts,
 * REQ clients and graceful stop. Every request sent gets exactly one reply.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Dealer, Request } from "zeromq";
import { isFlotillaError } from "../../engine/errors.js";
import { NoopBackend } from "../../engine/request/host/noop.js";
import { ServiceHost, type ServiceHostOptions } from "../../engine/request/host/server.js";
import { type Reply, ServiceClient } from "../../engine/request/wire/client.js";
import { decodeReply, encodeRequest } from "../../engine/request/wire/protocol.js";
import { TRANSPORTS, uniqueAddress } from "../helpers/addresses.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startHost(
  transport: (typeof TRANSPORTS)[number],
  options: Partial<ServiceHostOptions> & { delayMs?: number; sdMs?: number } = {},
): Promise<{ host: ServiceHost; client: ServiceClient }> {
  const { delayMs, sdMs, ...rest } = options;
  const host = new ServiceHost({
    service: "echo",
    backend: new NoopBackend(delayMs === undefined ? undefined : { mean_ms: delayMs, sd_ms: sdMs ?? 0 }),
    bind: uniqueAddress(transport),
    maxInflight: 8,
    maxQueue: 64,
    ...rest,
  });
  const endpoint = await host.start();
  const client = new ServiceClient(endpoint, { timeoutMs: 10_000 });
  cleanup.push(() => host.stop(1_000));
  cleanup.push(() => client.close());
  return { host, client };
}

describe.each(TRANSPORTS)("service host over %s", (transport) => {
  it("answers 2,000 requests in flight at once, each matched to its own payload", async () => {
    const { host, client } = await startHost(transport, { delayMs: 1, sdMs: 1, maxInflight: 64, maxQueue: 4_096 });
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 2_000 }, (_, i) => client.request({ service: "echo", payload: { i } })),
    );
    const elapsed = performance.now() - started;
    expect(replies.every((r) => r.ok && r.kind === "reply")).toBe(true);
    replies.forEach((reply, i) => {
      expect(JSON.parse(reply.payload.toString())).toEqual({ i });
    });
    const first = replies[0] as Reply;
    expect(first.ts.received).toBeLessThanOrEqual(first.ts.dequeued as number);
    expect(first.ts.backend_start).toBeLessThanOrEqual(first.ts.backend_end as number);
    expect(first.ts.backend_end).toBeLessThanOrEqual(first.ts.sent);
    // The parts sum to the total by construction (timingOf); what can be wrong is the clocks:
    // the host's stay inside the client's round trip, which stays inside this test's window.
    for (const { timing, ts } of replies) {
      expect(timing.total_ms).toBeGreaterThanOrEqual(ts.sent - ts.received);
      expect(timing.total_ms).toBeLessThanOrEqual(elapsed);
      expect(timing.inference_ms).toBeGreaterThanOrEqual(0);
    }
    expect(host.status().counters).toMatchObject({ received: 2_000, completed: 2_000, errors: 0, rejected: 0 });
  });

  it("queues beyond max_inflight and rejects beyond max_queue, explicitly: N sent = N replied", async () => {
    const { host, client } = await startHost(transport, { delayMs: 40, maxInflight: 2, maxQueue: 5 });
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => client.request({ payload: String(i) })));
    expect(replies).toHaveLength(40);
    const ok = replies.filter((r) => r.ok);
    const rejected = replies.filter((r) => r.error?.code === "rejected");
    expect(ok).toHaveLength(7);
    expect(rejected).toHaveLength(33);
    expect(rejected.every((r) => r.error?.retryable === true && r.timing.inference_ms === 0)).toBe(true);
    // Queued requests waited: their service time includes the queue.
    const waited = ok.filter((r) => (r.ts.dequeued as number) - r.ts.received > 30);
    expect(waited.length).toBeGreaterThanOrEqual(4);
    expect(host.status().counters).toMatchObject({ received: 40, completed: 7, rejected: 33 });
  });

  it("cancels queued requests whose client has timed out: they never start", async () => {
    const { host, client } = await startHost(transport, { delayMs: 150, maxInflight: 1, maxQueue: 10 });
    const first = client.request({ payload: "a", timeoutMs: 5_000 });
    const queued = Array.from({ length: 3 }, () =>
      client.request({ payload: "b", timeoutMs: 50 }).catch((error: unknown) => error),
    );
    expect((await first).ok).toBe(true);
    for (const outcome of await Promise.all(queued)) {
      expect(isFlotillaError(outcome) && outcome.context.reason).toBe("timeout");
    }
    await expect.poll(() => host.status().counters.canceled, { timeout: 2_000 }).toBe(3);
    expect(host.status().counters).toMatchObject({ completed: 1, expired: 0, errors: 0 });
    // Each cancelled request is still answered (`canceled`): late, for a client that gave up.
    await expect.poll(() => client.late, { timeout: 2_000 }).toBe(3);
  });

  it("answers `expired` for queued requests of a client that does not cancel", async () => {
    const { host } = await startHost(transport, { delayMs: 150, maxInflight: 1, maxQueue: 10 });
    const socket = new Dealer({ linger: 0 });
    cleanup.push(() => socket.close());
    socket.connect(host.endpoint);
    await socket.send(encodeRequest({ v: 1, id: 1, kind: "request", timeout_ms: 5_000 }, Buffer.from("a")));
    for (const id of [2, 3, 4]) {
      await socket.send(encodeRequest({ v: 1, id, kind: "request", timeout_ms: 50 }, Buffer.from("b")));
    }
    const kinds = new Map<unknown, string | undefined>();
    for (let i = 0; i < 4; i++) {
      const reply = decodeReply(await socket.receive());
      if (typeof reply === "string") throw new Error(reply);
      kinds.set(reply.header.id, reply.header.error?.code ?? reply.header.kind);
    }
    expect(Object.fromEntries(kinds)).toEqual({ 1: "reply", 2: "expired", 3: "expired", 4: "expired" });
    expect(host.status().counters).toMatchObject({ completed: 1, expired: 3, canceled: 0 });
  });

  it("stops a running request its client cancels, and never starts a queued one", async () => {
    const { host, client } = await startHost(transport, { delayMs: 5_000, maxInflight: 1, maxQueue: 10 });
    const running = new AbortController();
    const queued = new AbortController();
    const first = client.request({ payload: "a", signal: running.signal }).catch((error: unknown) => error);
    const second = client.request({ payload: "b", signal: queued.signal }).catch((error: unknown) => error);
    await expect.poll(() => host.status().queue_depth, { timeout: 2_000 }).toBe(1);
    queued.abort();
    running.abort();
    for (const outcome of [await first, await second]) {
      expect(isFlotillaError(outcome) && outcome.context.reason).toBe("canceled");
    }
    // Both are gone from the host long before the 5 s emulated inference would have ended.
    await expect.poll(() => host.status().counters.canceled, { timeout: 2_000 }).toBe(2);
    expect(host.status()).toMatchObject({ inflight: 0, queue_depth: 0 });
    expect(host.status().counters).toMatchObject({ completed: 0, errors: 0 });
    expect(client.inflight).toBe(0);
    const aborted = new AbortController();
    aborted.abort();
    await expect(client.request({ payload: "c", signal: aborted.signal })).rejects.toThrow(
      /canceled before it was sent/,
    );
  });

  it("rejects a timed-out request with REQUEST_FAILED and ignores its late reply", async () => {
    const { client } = await startHost(transport, { delayMs: 300 });
    const error = await client.request({ payload: "slow", timeoutMs: 50 }).catch((e: unknown) => e);
    expect(isFlotillaError(error) && error.code).toBe("REQUEST_FAILED");
    expect(isFlotillaError(error) && error.context).toMatchObject({ reason: "timeout", id: 1 });
    expect(client.inflight).toBe(0);
    await expect.poll(() => client.late, { timeout: 2_000 }).toBe(1);
    expect((await client.request({ payload: "next" })).ok).toBe(true);
  });

  it("answers ping and status at once, and wrong_service for another service", async () => {
    const { client } = await startHost(transport);
    const pong = await client.ping();
    expect(pong.kind).toBe("pong");
    const status = await client.status();
    expect(status).toMatchObject({ service: "echo", backend: "noop", inflight: 0, queue_depth: 0, max_inflight: 8 });
    const wrong = await client.request({ service: "llm", payload: "x" });
    expect(wrong.error).toMatchObject({ code: "wrong_service", retryable: false });
  });

  it("serves a REQ client: the empty delimiter goes back in front of the reply", async () => {
    const { host } = await startHost(transport);
    const req = new Request({ linger: 0 });
    cleanup.push(() => req.close());
    req.connect(host.endpoint);
    for (let id = 1; id <= 3; id++) {
      await req.send(encodeRequest({ v: 1, id, kind: "request", service: "echo" }, Buffer.from(`r${id}`)));
      const decoded = decodeReply(await req.receive());
      expect(typeof decoded !== "string" && decoded.header.id).toBe(id);
      expect(typeof decoded !== "string" && decoded.payload.toString()).toBe(`r${id}`);
    }
  });

  it("stops gracefully: in-flight requests finish, queued ones get shutting_down", async () => {
    const { host, client } = await startHost(transport, { delayMs: 200, maxInflight: 2, maxQueue: 10 });
    const pending = Array.from({ length: 6 }, () => client.request({ payload: "x" }));
    await expect.poll(() => host.status().queue_depth).toBe(4);
    const stopped = host.stop(5_000);
    const replies = await Promise.all(pending);
    await stopped;
    expect(replies.filter((r) => r.ok)).toHaveLength(2);
    expect(replies.filter((r) => r.error?.code === "shutting_down")).toHaveLength(4);
  });
});

describe("a host started without a service name", () => {
  it("accepts every service name and echoes it in the reply", async () => {
    const { host, client } = await startHost("tcp", { service: "" });
    expect(host.hostId).toMatch(/^any@/);
    const llm = await client.request({ service: "llm", payload: "a" });
    const far = await client.request({ service: "far", payload: "b" });
    expect([llm.ok, llm.service, far.ok, far.service]).toEqual([true, "llm", true, "far"]);
  });
});

describe("noop backend in OpenAI shape", () => {
  it("echoes the prompt as a completion and the last message as a chat reply", async () => {
    const { client } = await startHost("tcp");
    const completion = await client.request({ path: "/v1/completions", payload: { prompt: "hello", model: "m" } });
    expect(JSON.parse(completion.payload.toString())).toMatchObject({
      object: "text_completion",
      model: "m",
      choices: [{ text: "hello" }],
    });
    const chat = await client.request({
      path: "/v1/chat/completions",
      payload: { messages: [{ role: "user", content: "hi there" }] },
    });
    expect(JSON.parse(chat.payload.toString()).choices[0].message).toEqual({ role: "assistant", content: "hi there" });
    const raw = await client.request({ payload: Buffer.from([0, 1, 2]) });
    expect([...raw.payload]).toEqual([0, 1, 2]);
  });
});
