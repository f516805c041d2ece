/**
 * Batches (docs/protocol.md, "Batches") over real ZeroMQ sockets: a host
 * answers each request of a batch as if it came alone, combines replies
 * only for clients that ask, answers unreadable or excess members one by
 * one; a client starts batching only once its host offers it.
 */
import { encode } from "@msgpack/msgpack";
import { afterEach, describe, expect, it } from "vitest";
import { Dealer, Router } from "zeromq";
import { NoopBackend } from "../../engine/request/host/noop.js";
import { ServiceHost } from "../../engine/request/host/server.js";
import { ServiceClient } from "../../engine/request/wire/client.js";
import { decodeReplies, decodeRequest, MAX_BATCH, type ReplyHeader } from "../../engine/request/wire/protocol.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startHost(): Promise<ServiceHost> {
  const host = new ServiceHost({
    service: "echo",
    backend: new NoopBackend(),
    bind: "tcp://127.0.0.1:*",
    maxInflight: 8,
    maxQueue: 256,
  });
  await host.start();
  cleanup.push(() => host.stop(1_000));
  return host;
}

function rawClient(endpoint: string): Dealer {
  const dealer = new Dealer({ linger: 0, receiveTimeout: 5_000 });
  dealer.connect(endpoint);
  cleanup.push(() => dealer.close());
  return dealer;
}

const head = (id: number, fields: Record<string, unknown> = {}) =>
  Buffer.from(encode({ v: 1, id, kind: "request", ...fields }));

/** Reads messages until `count` replies have arrived; returns them with the number of messages they came in. */
async function receiveReplies(
  dealer: Dealer,
  count: number,
): Promise<{ replies: ReplyHeader[]; payloads: string[]; messages: number }> {
  const replies: ReplyHeader[] = [];
  const payloads: string[] = [];
  let messages = 0;
  while (replies.length < count) {
    messages++;
    for (const decoded of decodeReplies(await dealer.receive())) {
      if (typeof decoded === "string") throw new Error(decoded);
      replies.push(decoded.header);
      payloads.push(Buffer.from(decoded.payload).toString());
    }
  }
  return { replies, payloads, messages };
}

describe("a service host given a batch", () => {
  it("answers each request on its own to a client that did not ask for combined replies", async () => {
    const host = await startHost();
    const dealer = rawClient(host.endpoint);
    await dealer.send([head(1), Buffer.from("a"), head(2), Buffer.from("b"), head(3), Buffer.from("c")]);
    const { replies, payloads, messages } = await receiveReplies(dealer, 3);
    expect(messages).toBe(3);
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(payloads).toEqual(["a", "b", "c"]);
    expect(replies.every((r) => r.kind === "reply" && r.batch === MAX_BATCH)).toBe(true);
    expect(host.status().counters).toMatchObject({ received: 3, completed: 3, malformed: 0 });
  });

  it("combines the replies of one turn for a client that sets batch: true", async () => {
    const host = await startHost();
    const dealer = rawClient(host.endpoint);
    const frames = Array.from({ length: 6 }, (_, i) => [head(i + 1, { batch: true }), Buffer.from(`p${i}`)]).flat();
    await dealer.send(frames);
    const { replies, payloads, messages } = await receiveReplies(dealer, 6);
    expect(messages).toBe(1);
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(payloads).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"]);
  });

  it("answers an unreadable member alone and serves the rest", async () => {
    const host = await startHost();
    const dealer = rawClient(host.endpoint);
    await dealer.send([head(1), Buffer.from("a"), Buffer.from([0xc1]), Buffer.from("b"), head(3), Buffer.from("c")]);
    const { replies } = await receiveReplies(dealer, 3);
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(byId.get(1)?.kind).toBe("reply");
    expect(byId.get(3)?.kind).toBe("reply");
    expect(byId.get(null)?.error?.code).toBe("malformed");
    expect(host.status().counters).toMatchObject({ received: 3, completed: 2, malformed: 1 });
  });

  it("answers members beyond its limit with too_large, by id", async () => {
    const host = await startHost();
    const dealer = rawClient(host.endpoint);
    const count = MAX_BATCH + 2;
    await dealer.send(Array.from({ length: count }, (_, i) => [head(i + 1), Buffer.from("x")]).flat());
    const { replies } = await receiveReplies(dealer, count);
    const tooLarge = replies.filter((r) => r.error?.code === "too_large").map((r) => r.id);
    expect(tooLarge.sort()).toEqual([MAX_BATCH + 1, MAX_BATCH + 2]);
    expect(replies.filter((r) => r.kind === "reply")).toHaveLength(MAX_BATCH);
  });

  it("answers frames that do not pair up with one malformed error", async () => {
    const host = await startHost();
    const dealer = rawClient(host.endpoint);
    await dealer.send([head(1), Buffer.from("a"), head(2)]);
    const { replies } = await receiveReplies(dealer, 1);
    expect(replies[0]?.error?.code).toBe("malformed");
    expect(replies[0]?.error?.message).toMatch(/pairs/);
  });
});

describe("a service client", () => {
  /** A host written from the protocol page: counts requests per message, answers each alone. */
  async function fakeHost(
    offer: number | undefined,
  ): Promise<{ endpoint: string; perMessage: number[]; batchFlags: unknown[] }> {
    const router = new Router({ linger: 0 });
    await router.bind("tcp://127.0.0.1:*");
    const perMessage: number[] = [];
    const batchFlags: unknown[] = [];
    cleanup.push(() => router.close());
    void (async () => {
      for await (const [identity, ...frames] of router) {
        const pairs = frames.length > 2 ? frames.length / 2 : 1;
        perMessage.push(pairs);
        for (let i = 0; i < pairs; i++) {
          const decoded = decodeRequest(frames.slice(2 * i, 2 * i + 1));
          if (!decoded.ok) continue;
          batchFlags.push(decoded.header.batch);
          const reply: Record<string, unknown> = {
            v: 1,
            id: decoded.header.id,
            kind: "reply",
            service: "echo",
            host: "fake",
            ts: { received: 1, sent: 2 },
          };
          if (offer !== undefined) reply.batch = offer;
          await router.send([identity!, Buffer.from(encode(reply)), Buffer.alloc(0)]);
        }
      }
    })().catch(() => undefined);
    return { endpoint: router.lastEndpoint!, perMessage, batchFlags };
  }

  it("sends the requests of one turn in one message once the host offers batches", async () => {
    const fake = await fakeHost(MAX_BATCH);
    const client = new ServiceClient(fake.endpoint, { timeoutMs: 5_000 });
    cleanup.push(() => client.close());
    await client.request({ payload: "first" });
    const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => client.request({ payload: String(i) })));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(fake.perMessage).toEqual([1, 5]);
    expect(fake.batchFlags).toEqual([undefined, true, true, true, true, true]);
  });

  it("keeps each message within the host's offer", async () => {
    const fake = await fakeHost(2);
    const client = new ServiceClient(fake.endpoint, { timeoutMs: 5_000 });
    cleanup.push(() => client.close());
    await client.request({ payload: "first" });
    await Promise.all(Array.from({ length: 5 }, (_, i) => client.request({ payload: String(i) })));
    expect(fake.perMessage).toEqual([1, 2, 2, 1]);
  });

  it("sends one request per message to a host that does not offer batches", async () => {
    const fake = await fakeHost(undefined);
    const client = new ServiceClient(fake.endpoint, { timeoutMs: 5_000 });
    cleanup.push(() => client.close());
    await client.request({ payload: "first" });
    await Promise.all(Array.from({ length: 5 }, (_, i) => client.request({ payload: String(i) })));
    expect(fake.perMessage).toEqual([1, 1, 1, 1, 1, 1]);
    expect(fake.batchFlags.every((flag) => flag === undefined)).toBe(true);
  });
});
