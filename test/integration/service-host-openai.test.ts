/**
 * The openai backend over a real model: the tiny generated llama served by
 * node-llama-cpp (one thread) behind a service host. Replies carry real
 * tokens; backend errors and a vanished backend become explicit errors.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dealer } from "zeromq";
import { OpenAiBackend } from "../../engine/request/host/openai.js";
import { ServiceHost } from "../../engine/request/host/server.js";
import { ServiceClient } from "../../engine/request/wire/client.js";
import { decodeReply, encodeRequest } from "../../engine/request/wire/protocol.js";
import { type ModelServer, startModelServer } from "../helpers/host-process.js";
import { freePort } from "../helpers/processes.js";

let model: ModelServer;
let host: ServiceHost;
let client: ServiceClient;

beforeAll(async () => {
  model = await startModelServer();
  host = new ServiceHost({
    service: "llm",
    backend: new OpenAiBackend({ url: model.url, maxSockets: 2 }),
    bind: "tcp://127.0.0.1:*",
    maxInflight: 2,
    maxQueue: 32,
  });
  client = new ServiceClient(await host.start(), { timeoutMs: 30_000 });
});

afterAll(async () => {
  client?.close();
  await host?.stop(2_000);
  await model?.process.kill();
});

describe("openai backend over node-llama-cpp", () => {
  it("answers a completion with real tokens and a backend-time breakdown", async () => {
    const reply = await client.request({
      service: "llm",
      path: "/v1/completions",
      payload: { prompt: "the model says", max_tokens: 12 },
    });
    expect(reply.ok).toBe(true);
    expect(reply.http_status).toBe(200);
    const body = JSON.parse(reply.payload.toString());
    expect(body.object).toBe("text_completion");
    expect(body.choices[0].text.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBe(12);
    expect(reply.timing.inference_ms).toBeGreaterThan(0);
    expect(reply.timing.inference_ms).toBeLessThan(reply.timing.total_ms);
  });

  it("is deterministic at temperature 0 and answers chat completions", async () => {
    const ask = () =>
      client.request({
        path: "/v1/chat/completions",
        payload: { messages: [{ role: "user", content: "hello world" }], max_tokens: 8 },
      });
    const [a, b] = await Promise.all([ask(), ask()]);
    const textA = JSON.parse((a?.payload ?? Buffer.alloc(0)).toString()).choices[0].message.content;
    const textB = JSON.parse((b?.payload ?? Buffer.alloc(0)).toString()).choices[0].message.content;
    expect(textA.length).toBeGreaterThan(0);
    expect(textA).toBe(textB);
  });

  it("serves 12 concurrent requests through 2 backend slots, all answered", async () => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => client.request({ payload: { prompt: `request ${i}`, max_tokens: 4 } })),
    );
    expect(replies.every((r) => r.ok)).toBe(true);
    // Ten of them waited for a slot: the host's queueing shows up as service time, not inference.
    expect(replies.filter((r) => (r.ts.dequeued as number) - r.ts.received > 1).length).toBeGreaterThanOrEqual(5);
  });

  it("lists models with GET", async () => {
    const reply = await client.request({ path: "/v1/models", method: "GET" });
    expect(JSON.parse(reply.payload.toString()).data[0].id).toBe("tiny-llama");
  });

  it("turns a backend HTTP error into backend_error with its status and body", async () => {
    const bad = await client.request({ path: "/v1/completions", payload: { no_prompt: true } });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatchObject({ code: "backend_error", retryable: false });
    expect(bad.http_status).toBe(400);
    expect(JSON.parse(bad.payload.toString()).error.message).toMatch(/prompt/);
    const missing = await client.request({ path: "/v2/unknown", payload: {} });
    expect(missing.http_status).toBe(404);
  });
});

describe("openai backend without a working server", () => {
  it("cuts off a backend that stays silent past the request's timeout_ms and frees the slot", async () => {
    const silent = createServer(() => {
      // Accepts the request and never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const stuck = new ServiceHost({
      service: "llm",
      backend: new OpenAiBackend({ url: `http://127.0.0.1:${port}`, maxSockets: 1 }),
      bind: "tcp://127.0.0.1:*",
      maxInflight: 1,
      maxQueue: 4,
    });
    // A raw DEALER, so the header's timeout_ms (300) is shorter than how long we wait for the reply (5 s).
    const raw = new Dealer({ linger: 0, receiveTimeout: 5_000 });
    raw.connect(await stuck.start());
    try {
      await raw.send(encodeRequest({ v: 1, id: 1, kind: "request", timeout_ms: 300 }, Buffer.from('{"prompt":"x"}')));
      const reply = decodeReply(await raw.receive());
      if (typeof reply === "string") throw new Error(reply);
      expect(reply.header.error).toMatchObject({ code: "backend_error", retryable: false });
      expect(reply.header.error?.message).toMatch(/silent for 300 ms/);
      expect(stuck.status().inflight).toBe(0);
    } finally {
      raw.close();
      await stuck.stop(500);
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("answers backend_unreachable (retryable) when nothing listens", async () => {
    const port = await freePort();
    const lonely = new ServiceHost({
      service: "llm",
      backend: new OpenAiBackend({ url: `http://127.0.0.1:${port}`, maxSockets: 1 }),
      bind: "tcp://127.0.0.1:*",
      maxInflight: 1,
      maxQueue: 1,
    });
    const lonelyClient = new ServiceClient(await lonely.start());
    try {
      const reply = await lonelyClient.request({ payload: { prompt: "x" } });
      expect(reply.error).toMatchObject({ code: "backend_unreachable", retryable: true });
    } finally {
      lonelyClient.close();
      await lonely.stop(500);
    }
  });
});
