/**
 * A rogue peer cannot crash the host: unreadable, oversized, wrong-version
 * and over-long messages each get an `error` reply (or are counted when no
 * reply can be delivered), raw non-ZeroMQ bytes on the port are shrugged
 * off, and well-formed clients keep being served throughout.
 */
import { connect } from "node:net";
import { encode } from "@msgpack/msgpack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dealer } from "zeromq";
import { NoopBackend } from "../../engine/request/host/noop.js";
import { ServiceHost } from "../../engine/request/host/server.js";
import { ServiceClient } from "../../engine/request/wire/client.js";
import { decodeReply, type ReplyHeader } from "../../engine/request/wire/protocol.js";

let host: ServiceHost;
let client: ServiceClient;
let rogue: Dealer;

beforeAll(async () => {
  host = new ServiceHost({
    service: "echo",
    backend: new NoopBackend({ mean_ms: 20, sd_ms: 0 }),
    bind: "tcp://127.0.0.1:*",
    maxInflight: 4,
    maxQueue: 16,
    maxPayloadBytes: 1_024,
  });
  await host.start();
  client = new ServiceClient(host.endpoint, { timeoutMs: 5_000 });
  rogue = new Dealer({ linger: 0, receiveTimeout: 5_000 });
  rogue.connect(host.endpoint);
});

afterAll(async () => {
  rogue.close();
  client.close();
  await host.stop(1_000);
});

async function exchange(frames: Buffer[]): Promise<ReplyHeader> {
  await rogue.send(frames);
  const decoded = decodeReply(await rogue.receive());
  if (typeof decoded === "string") throw new Error(decoded);
  return decoded.header;
}

const good = (fields: Record<string, unknown> = {}) => Buffer.from(encode({ v: 1, id: 5, kind: "request", ...fields }));

describe("a rogue peer", () => {
  it.each([
    ["an empty message body", [Buffer.alloc(0)], "malformed", null],
    ["random bytes", [Buffer.from([0xc1, 0xff, 0x00, 0x13])], "malformed", null],
    ["a msgpack number as header", [Buffer.from(encode(12))], "malformed", null],
    [
      "five frames",
      [good(), Buffer.from("a"), Buffer.from("b"), Buffer.from("c"), Buffer.from("d")],
      "malformed",
      null,
    ],
    ["a header of 70 KiB", [Buffer.alloc(70 * 1024, 0x20)], "too_large", null],
    ["a payload over the host's limit", [good(), Buffer.alloc(1_025)], "too_large", 5],
    ["protocol version 9", [good({ v: 9 })], "unsupported_version", 5],
    ["kind 'shutdown'", [good({ kind: "shutdown" })], "unknown_kind", 5],
    ["a string as timeout_ms", [good({ timeout_ms: "soon" })], "malformed", 5],
  ])("sending %s gets an error reply", async (_what, frames, code, id) => {
    const before = host.status().counters;
    const reply = await exchange(frames as Buffer[]);
    expect(reply.kind).toBe("error");
    expect(reply.error?.code).toBe(code);
    expect(reply.error?.retryable).toBe(false);
    expect(reply.id).toBe(id);
    expect(reply.ts.sent).toBeGreaterThanOrEqual(reply.ts.received);
    expect(host.status().counters.malformed).toBe(before.malformed + 1);
    expect(host.status().counters.errors).toBe(before.errors + 1);
    expect((await client.request({ payload: "still here" })).ok).toBe(true);
  });

  it("interleaves garbage with real traffic without losing a real request", async () => {
    const real = Array.from({ length: 50 }, (_, i) => client.request({ payload: String(i), timeoutMs: 10_000 }));
    for (let i = 0; i < 50; i++) await rogue.send([Buffer.from([i, 0xc1, i])]);
    const replies = await Promise.all(real);
    const ok = replies.filter((r) => r.ok).length;
    const rejected = replies.filter((r) => r.error?.code === "rejected").length;
    expect(ok + rejected).toBe(50);
    for (let i = 0; i < 50; i++) expect((await rogue.receive()).length).toBe(2);
  });

  it("counts a reply it cannot deliver (the peer left) as dropped, and carries on", async () => {
    // A host of its own whose inference lasts long enough for the leaver's disconnect to reach it first.
    const slow = new ServiceHost({
      service: "echo",
      backend: new NoopBackend({ mean_ms: 1_000, sd_ms: 0 }),
      bind: "tcp://127.0.0.1:*",
      maxInflight: 1,
      maxQueue: 1,
    });
    await slow.start();
    const stayer = new ServiceClient(slow.endpoint, { timeoutMs: 5_000 });
    try {
      const leaver = new Dealer({ linger: 0 });
      leaver.connect(slow.endpoint);
      await leaver.send([good({ id: 1 }), Buffer.from("bye")]);
      await expect.poll(() => slow.status().inflight).toBe(1);
      leaver.close();
      await expect.poll(() => slow.status().counters.dropped, { timeout: 5_000 }).toBe(1);
      expect((await stayer.request({ payload: "after" })).ok).toBe(true);
      expect(slow.status().counters.dropped).toBe(1);
    } finally {
      stayer.close();
      await slow.stop(1_000);
    }
  });

  it("is disconnected by ZeroMQ, not crashed, by a frame beyond the transport limit", async () => {
    const giant = new Dealer({ linger: 0, receiveTimeout: 2_000 });
    const disconnected = new Promise<string>((resolve) => {
      giant.events.on("disconnect", (event) => resolve(event.address));
    });
    giant.connect(host.endpoint);
    await giant.send([good(), Buffer.alloc(300 * 1024)]);
    // The host closes the connection itself: the peer sees it go, and no reply ever comes.
    const gone = await Promise.race([
      disconnected,
      new Promise<undefined>((resolve) => setTimeout(resolve, 5_000, undefined)),
    ]);
    expect(gone, "the host did not drop the connection").toBe(host.endpoint);
    await expect(giant.receive()).rejects.toMatchObject({ code: "EAGAIN" });
    giant.close();
    expect((await client.request({ payload: "fine" })).ok).toBe(true);
  });

  it("survives raw bytes that are not ZeroMQ at all on its port", async () => {
    const port = Number(new URL(host.endpoint.replace("tcp://", "http://")).port);
    for (const bytes of [
      Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      Buffer.alloc(4096, 0xff),
      Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]),
    ]) {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port }, () => {
          socket.end(bytes);
        });
        socket.on("error", () => resolve());
        socket.on("close", () => resolve());
        setTimeout(() => socket.destroy(), 500);
      });
    }
    expect((await client.request({ payload: "alive" })).payload.toString()).toBe("alive");
    expect(host.status().counters.received).toBeGreaterThan(0);
  });
});
