import { decode, encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import {
  decodeReplies,
  decodeReply,
  decodeRequest,
  encodeHeader,
  encodeRequest,
  isEventStream,
  MAX_HEADER_BYTES,
  PROTOCOL_VERSION,
  type ReplyHeader,
  splitRequests,
  timingOf,
} from "../../../../engine/request/wire/protocol.js";

const header = (fields: Record<string, unknown>) => encode({ v: 1, id: 7, kind: "request", ...fields });

describe("request frames", () => {
  it("round-trips a request with every optional field", () => {
    const payload = Buffer.from('{"prompt":"hi"}');
    const frames = encodeRequest(
      { v: 1, id: 42, kind: "request", service: "llm", path: "/v1/chat/completions", method: "POST", timeout_ms: 500 },
      payload,
    );
    const decoded = decodeRequest(frames);
    expect(decoded).toEqual({
      ok: true,
      header: {
        v: 1,
        id: 42,
        kind: "request",
        service: "llm",
        path: "/v1/chat/completions",
        method: "POST",
        timeout_ms: 500,
      },
      payload,
    });
  });

  it("accepts string ids, a missing payload frame and ignores unknown keys", () => {
    const decoded = decodeRequest([header({ id: "req-1", kind: "ping", extra: [1, 2] })]);
    expect(decoded.ok && decoded.header).toEqual({ v: 1, id: "req-1", kind: "ping" });
    expect(decoded.ok && decoded.payload.length).toBe(0);
  });

  it.each([
    ["no frames", [], "malformed", null],
    ["three frames", [header({}), Buffer.from("a"), Buffer.from("b")], "malformed", null],
    ["an empty header", [Buffer.alloc(0)], "malformed", null],
    ["bytes that are not msgpack", [Buffer.from([0xc1, 0x00])], "malformed", null],
    ["a msgpack array", [encode([1, "request"])], "malformed", null],
    ["a msgpack string", [encode("hello")], "malformed", null],
    ["no id", [encode({ v: 1, kind: "request" })], "malformed", null],
    ["a negative id", [header({ id: -1 })], "malformed", null],
    ["a too long string id", [header({ id: "x".repeat(129) })], "malformed", null],
    ["version 2", [header({ v: 2 })], "unsupported_version", 7],
    ["no version", [encode({ id: 7, kind: "request" })], "unsupported_version", 7],
    ["an unknown kind", [header({ kind: "explode" })], "unknown_kind", 7],
    ["a path without a slash", [header({ path: "v1/completions" })], "malformed", 7],
    ["an unknown method", [header({ method: "DELETE" })], "malformed", 7],
    ["a zero timeout", [header({ timeout_ms: 0 })], "malformed", 7],
    ["a numeric service", [header({ service: 3 })], "malformed", 7],
  ])("answers %s with %s", (_what, frames, code, id) => {
    const decoded = decodeRequest(frames as Buffer[]);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.code).toBe(code);
      expect(decoded.id).toBe(id);
      expect(decoded.message.length).toBeGreaterThan(10);
    }
  });

  it("rejects an oversized header and payload as too_large", () => {
    const big = Buffer.alloc(MAX_HEADER_BYTES + 1, 0x61);
    const tooBigHeader = decodeRequest([big]);
    expect(!tooBigHeader.ok && tooBigHeader.code).toBe("too_large");
    const tooBigPayload = decodeRequest([header({}), Buffer.alloc(1025)], 1024);
    expect(!tooBigPayload.ok && tooBigPayload.code).toBe("too_large");
    expect(!tooBigPayload.ok && tooBigPayload.id).toBe(7);
    expect(decodeRequest([header({}), Buffer.alloc(1024)], 1024).ok).toBe(true);
  });
});

describe("reply frames", () => {
  const reply: ReplyHeader = {
    v: PROTOCOL_VERSION,
    id: 9,
    kind: "reply",
    service: "echo",
    host: "echo@h:1",
    http_status: 200,
    ts: { received: 1000.5, dequeued: 1001, backend_start: 1001.25, backend_end: 1011.25, sent: 1012 },
  };

  it("encodes timestamps as float64 and decodes them exactly", () => {
    const raw = decode(encodeHeader(reply)) as ReplyHeader;
    expect(raw.ts).toEqual(reply.ts);
    const decoded = decodeReply([encodeHeader(reply), Buffer.from("body")]);
    expect(typeof decoded !== "string" && decoded.header).toEqual(reply);
    expect(typeof decoded !== "string" && decoded.payload.toString()).toBe("body");
  });

  it("reads a REQ-style reply with its empty delimiter", () => {
    const decoded = decodeReply([Buffer.alloc(0), encodeHeader(reply), Buffer.from("x")]);
    expect(typeof decoded !== "string" && decoded.payload.toString()).toBe("x");
  });

  it("says why a reply is unreadable", () => {
    expect(decodeReply([Buffer.from("nope")])).toMatch(/msgpack/);
    expect(decodeReply([encode({ v: 2, kind: "reply", ts: { received: 1, sent: 2 } })])).toMatch(/version/);
    expect(decodeReply([encode({ v: 1, kind: "reply" })])).toMatch(/ts/);
  });
});

describe("batches", () => {
  const a = Buffer.from("a");
  it("splits header/payload pairs and leaves one or two frames as one request", () => {
    expect(splitRequests([a])).toEqual([[a]]);
    expect(splitRequests([a, a])).toEqual([[a, a]]);
    expect(splitRequests([a, Buffer.from("1"), a, Buffer.from("2")])).toEqual([
      [a, Buffer.from("1")],
      [a, Buffer.from("2")],
    ]);
    expect(splitRequests([a, a, a])).toMatch(/pairs/);
  });

  it("takes batch: true, and refuses a batch flag that is not a boolean", () => {
    const yes = decodeRequest([header({ batch: true })]);
    expect(yes.ok && yes.header.batch).toBe(true);
    const no = decodeRequest([header({ batch: false })]);
    expect(no.ok && no.header.batch).toBeUndefined();
    expect(decodeRequest([header({ batch: 1 })])).toMatchObject({ ok: false, code: "malformed", id: 7 });
  });

  it("reads every reply of a combined message, and says which cannot be read", () => {
    const reply = (id: number) =>
      encode({ v: 1, id, kind: "reply", service: "s", host: "h", ts: { received: 1, sent: 2 } });
    const read = decodeReplies([
      reply(1),
      Buffer.from("x"),
      Buffer.from("junk"),
      Buffer.from("y"),
      reply(3),
      Buffer.alloc(0),
    ]);
    expect(read.map((r) => (typeof r === "string" ? "unreadable" : r.header.id))).toEqual([1, "unreadable", 3]);
    expect(decodeReplies([reply(1), a, a])).toEqual([expect.stringMatching(/pairs/)]);
  });
});

describe("cancelling", () => {
  it("reads a cancel: its id names the request to drop, and it needs no payload", () => {
    const cancel = decodeRequest([encode({ v: 1, id: 12, kind: "cancel" })]);
    expect(cancel).toMatchObject({ ok: true, header: { id: 12, kind: "cancel" } });
    expect(decodeRequest([encode({ v: 1, kind: "cancel" })])).toMatchObject({ ok: false, code: "malformed" });
  });
});

describe("streaming", () => {
  it("takes stream: true, and refuses a stream flag that is not a boolean", () => {
    const yes = decodeRequest([header({ stream: true })]);
    expect(yes.ok && yes.header.stream).toBe(true);
    const no = decodeRequest([header({ stream: false })]);
    expect(no.ok && no.header.stream).toBeUndefined();
    expect(decodeRequest([header({ stream: "yes" })])).toMatchObject({ ok: false, code: "malformed", id: 7 });
  });

  it("reads a chunk reply, and streams only event streams", () => {
    const chunk = encode({ v: 1, id: 7, kind: "chunk", service: "s", host: "h", ts: { received: 1, sent: 2 } });
    const read = decodeReply([chunk, Buffer.from("data: {}\n\n")]);
    expect(typeof read === "string" ? read : read.header.kind).toBe("chunk");
    expect(isEventStream("text/event-stream; charset=utf-8")).toBe(true);
    expect(isEventStream("Text/Event-Stream")).toBe(true);
    expect(isEventStream("application/json")).toBe(false);
    expect(isEventStream(undefined)).toBe(false);
  });
});

describe("timing", () => {
  it("splits the round trip into communication, service and inference", () => {
    const t = timingOf({ received: 100, dequeued: 102, backend_start: 103, backend_end: 113, sent: 114 }, 20);
    expect(t).toEqual({ communication_ms: 6, service_ms: 4, inference_ms: 10, total_ms: 20 });
    expect(t.communication_ms + t.service_ms + t.inference_ms).toBe(t.total_ms);
  });

  it("counts no inference when no backend ran (a rejection)", () => {
    expect(timingOf({ received: 100, sent: 100.5 }, 2)).toEqual({
      communication_ms: 1.5,
      service_ms: 0.5,
      inference_ms: 0,
      total_ms: 2,
    });
  });
});
