/**
 * Streaming and cancelling through the request path: an OpenAI-compatible
 * backend that answers `stream: true` with an event stream, held after its
 * first event until the test lets it go. Every piece that reaches a client
 * before the backend is released proves the stream is passed on as it
 * comes, not gathered and replayed; a connection the backend sees closed
 * before it finished proves a cancel reached it. No test here depends on
 * how fast anything is.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestMetrics } from "../../engine/metrics/collector.js";
import type { Dispatcher } from "../../engine/request/dispatch/dispatcher.js";
import { HttpChannel } from "../../engine/request/dispatch/http-channel.js";
import { ZmqChannel } from "../../engine/request/dispatch/zmq-channel.js";
import { type HttpFront, startHttpFront } from "../../engine/request/front/http-front.js";
import { writeAsEventStream } from "../../engine/request/front/stream.js";
import { OpenAiBackend } from "../../engine/request/host/openai.js";
import { ServiceHost } from "../../engine/request/host/server.js";
import { ServiceClient } from "../../engine/request/wire/client.js";
import { startCli } from "../helpers/cli.js";
import { newDispatcher } from "./dispatch-hosts.js";

const WORDS = ["Once", " upon", " a", " time"];

/** What the backend does after the first event of a stream. */
type Mode = "finish" | "break";

interface Backend {
  url: string;
  /** Lets every held stream go on. */
  release(): void;
  /** Streams the backend has finished writing. */
  finished: number;
  /** Streams whose connection was closed before the backend finished them. */
  abandoned: number;
  mode: Mode;
  /** Silence between pieces, when set: the pieces come without waiting for release(). */
  gapMs: number;
  server: Server;
}

function chunk(text: string | undefined, finish: string | null): string {
  const delta = text === undefined ? {} : { content: text };
  const body = { id: "chatcmpl-t", object: "chat.completion.chunk", created: 0, model: "t" };
  return `data: ${JSON.stringify({ ...body, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

const FULL_STREAM = `${WORDS.map((w) => chunk(w, null)).join("")}${chunk(undefined, "stop")}data: [DONE]\n\n`;

async function startBackend(): Promise<Backend> {
  let held: (() => void)[] = [];
  const state: Backend = {
    url: "",
    finished: 0,
    abandoned: 0,
    mode: "finish",
    gapMs: 0,
    server: undefined as unknown as Server,
    release() {
      const waiting = held;
      held = [];
      for (const go of waiting) go();
    },
  };
  const hold = () =>
    new Promise<void>((resolve) => {
      // Never longer than this: a test that fails must not hang.
      const timer = setTimeout(resolve, 10_000);
      held.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const stream = async (res: ServerResponse) => {
    res.on("close", () => {
      if (!res.writableFinished) state.abandoned++;
    });
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(chunk(WORDS[0], null));
    if (state.gapMs > 0) {
      for (const word of WORDS.slice(1)) {
        await pause(state.gapMs);
        res.write(chunk(word, null));
      }
    } else {
      await hold();
      if (state.mode === "break") {
        res.socket?.destroy();
        return;
      }
      for (const word of WORDS.slice(1)) res.write(chunk(word, null));
    }
    state.finished++;
    res.end(`${chunk(undefined, "stop")}data: [DONE]\n\n`);
  };
  state.server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [{ id: "t", object: "model" }] }));
        return;
      }
      const body = JSON.parse(Buffer.concat(parts).toString() || "{}");
      // /v1/completions never streams: a backend that ignores `stream`.
      if (body.stream === true && req.url === "/v1/chat/completions") {
        void stream(res);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "text_completion", choices: [{ index: 0, text: WORDS.join("") }] }));
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

function startHost(url: string): Promise<ServiceHost> {
  const host = new ServiceHost({
    service: "llm",
    backend: new OpenAiBackend({ url, maxSockets: 4 }),
    bind: "tcp://127.0.0.1:*",
    maxInflight: 4,
    maxQueue: 16,
  });
  return host.start().then(() => host);
}

const CHAT = { model: "t", messages: [{ role: "user", content: "go" }], stream: true };

let backend: Backend;
let hosts: ServiceHost[];
let client: ServiceClient;

beforeAll(async () => {
  backend = await startBackend();
  hosts = await Promise.all([startHost(backend.url), startHost(backend.url)]);
  client = new ServiceClient(hosts[0]!.endpoint, { timeoutMs: 20_000 });
});

afterAll(async () => {
  client?.close();
  await Promise.all(hosts.map((h) => h.stop(200)));
  backend.server.closeAllConnections();
  await new Promise((resolve) => backend.server.close(resolve));
});

/** Collects pieces; `first` resolves with how many streams had finished when the first piece came. */
function collector() {
  const pieces: Buffer[] = [];
  let sawFirst: (finished: number) => void = () => {};
  const first = new Promise<number>((resolve) => {
    sawFirst = resolve;
  });
  return {
    pieces,
    first,
    onPiece: (piece: Buffer) => {
      if (pieces.length === 0) sawFirst(backend.finished);
      pieces.push(piece);
    },
    text: () => Buffer.concat(pieces).toString(),
  };
}

describe("streaming through a service host", () => {
  it("hands each piece to the client while the backend is still writing", async () => {
    backend.mode = "finish";
    const before = backend.finished;
    const got = collector();
    const reply = client.request({ service: "llm", path: "/v1/chat/completions", payload: CHAT, onPiece: got.onPiece });
    expect(await got.first).toBe(before);
    backend.release();
    const done = await reply;
    expect(done.ok).toBe(true);
    expect(done.http_status).toBe(200);
    expect(done.payload.length).toBe(0);
    expect(got.text()).toBe(FULL_STREAM);
    expect(got.pieces.length).toBeGreaterThan(1);
    expect(done.timing.first_piece_ms).toBeGreaterThan(0);
    expect(done.timing.first_piece_ms).toBeLessThanOrEqual(done.timing.total_ms);
    // The backend held the stream until released: all of that is inference time.
    expect(done.timing.inference_ms).toBeGreaterThan(0);
  });

  it("answers whole when the backend does not stream, as without streaming", async () => {
    const got = collector();
    const reply = await client.request({
      path: "/v1/completions",
      payload: { prompt: "go", stream: true },
      onPiece: got.onPiece,
    });
    expect(reply.ok).toBe(true);
    expect(got.pieces).toHaveLength(0);
    expect(JSON.parse(reply.payload.toString()).choices[0].text).toBe(WORDS.join(""));
  });

  it("counts the timeout as silence between pieces, not as the whole stream", async () => {
    backend.gapMs = 1_200;
    try {
      const got = collector();
      // Three gaps of 1.2 s: 3.6 s in all, past the 2 s timeout, but never 2 s without a piece.
      const reply = await client.request({
        path: "/v1/chat/completions",
        payload: CHAT,
        onPiece: got.onPiece,
        timeoutMs: 2_000,
      });
      expect(reply.ok).toBe(true);
      expect(reply.timing.total_ms).toBeGreaterThan(2_000);
      expect(got.text()).toBe(FULL_STREAM);
    } finally {
      backend.gapMs = 0;
    }
  });

  it("leaves the client usable when the caller's piece handler throws", async () => {
    const reply = client.request({
      path: "/v1/chat/completions",
      payload: CHAT,
      onPiece: () => {
        throw new Error("consumer failed");
      },
    });
    await expect(reply).rejects.toThrow(/consumer failed/);
    backend.release();
    const after = await client.request({ path: "/v1/completions", payload: { prompt: "again" } });
    expect(after.ok).toBe(true);
  });
});

describe("cancelling a streamed request", () => {
  it("closes the backend's connection when the client cancels", async () => {
    backend.mode = "finish";
    const before = { abandoned: backend.abandoned, canceled: hosts[0]!.status().counters.canceled };
    const controller = new AbortController();
    const got = collector();
    const reply = client.request({
      path: "/v1/chat/completions",
      payload: CHAT,
      onPiece: got.onPiece,
      signal: controller.signal,
    });
    await got.first;
    controller.abort();
    await expect(reply).rejects.toThrow(/canceled/);
    await expect.poll(() => backend.abandoned, { timeout: 5_000 }).toBe(before.abandoned + 1);
    expect(hosts[0]!.status().counters.canceled).toBe(before.canceled + 1);
    await expect.poll(() => hosts[0]!.status().inflight, { timeout: 5_000 }).toBe(0);
  });

  it("stops the backend when a stream goes silent past the client's timeout", async () => {
    backend.mode = "finish";
    const before = backend.abandoned;
    const got = collector();
    const reply = client.request({ path: "/v1/chat/completions", payload: CHAT, onPiece: got.onPiece, timeoutMs: 500 });
    // Client and host hold the same deadline: whichever notices first ends the request, never with a reply.
    const outcome = await reply.then(
      (answer) => (answer.ok ? "answered" : (answer.error?.message ?? "failed")),
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(/no further piece|silent for 500 ms/);
    expect(got.pieces).toHaveLength(1);
    await expect.poll(() => backend.abandoned, { timeout: 5_000 }).toBe(before + 1);
  });
});

/** `flotilla request --stream` for a chat, back once its first piece is printed (the backend then holds the rest). */
async function requestStreamedChat() {
  const data = JSON.stringify({ model: "t", messages: [{ role: "user", content: "go" }] });
  const args = ["request", hosts[0]!.endpoint, "--stream", "--path", "/v1/chat/completions", "--data", data];
  const cli = startCli(args, { cwd: process.cwd() });
  await cli.waitForOutput(/"content":"Once"/);
  return cli;
}

describe("flotilla request --stream", () => {
  it("prints each piece as it arrives, then the timing with the first piece's", async () => {
    backend.mode = "finish";
    const before = backend.finished;
    // The first event is printed while the backend still holds the rest.
    const cli = await requestStreamedChat();
    expect(backend.finished).toBe(before);
    backend.release();
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.startsWith(FULL_STREAM)).toBe(true);
    expect(result.stdout).toMatch(/^reply from llm@.* HTTP 200\)$/m);
    expect(result.stdout).toMatch(/first piece after [\d.]+ ms$/m);
  });
});

describe("flotilla request, interrupted", () => {
  it("cancels the request on the host and exits 130", async () => {
    backend.mode = "finish";
    const before = backend.abandoned;
    const cli = await requestStreamedChat();
    cli.child.kill("SIGINT");
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/canceled on the host/);
    // The backend saw its connection closed before it had finished: the model stopped.
    await expect.poll(() => backend.abandoned, { timeout: 5_000 }).toBe(before + 1);
  });
});

const TOKEN = "streaming-test-token";

describe("streaming through the dispatcher and the HTTP front", () => {
  let dispatcher: Dispatcher;
  let metrics: RequestMetrics;
  let front: HttpFront;

  beforeAll(async () => {
    ({ dispatcher, metrics } = newDispatcher("llm"));
    for (const [i, host] of hosts.entries()) dispatcher.add(i, new ZmqChannel(host.endpoint, "llm"));
    front = await startHttpFront({ dispatcherFor: (name) => (name === "llm" ? dispatcher : undefined), token: TOKEN });
  });

  afterAll(async () => {
    await front?.close();
    await dispatcher?.close();
  });

  it("passes the event stream to the openai client as it comes", async () => {
    backend.mode = "finish";
    const before = backend.finished;
    const openai = new OpenAI({ baseURL: front.baseUrl("llm"), apiKey: TOKEN, maxRetries: 0 });
    const stream = await openai.chat.completions.create({
      model: "t",
      messages: [{ role: "user", content: "go" }],
      stream: true,
    });
    let text = "";
    let finishedAtFirst: number | undefined;
    for await (const part of stream) {
      if (finishedAtFirst === undefined) {
        finishedAtFirst = backend.finished;
        backend.release();
      }
      text += part.choices[0]?.delta.content ?? "";
    }
    expect(finishedAtFirst).toBe(before);
    expect(text).toBe(WORDS.join(""));
    // Time to the first piece is measured per service and instance, apart from the whole answer.
    const llm = metrics.snapshot(false).services.find((s) => s.service === "llm");
    expect(llm?.latency.first_piece?.count).toBe(1);
    expect(llm?.latency.first_piece?.p50).toBeGreaterThan(0);
    expect(llm?.latency.first_piece?.max).toBeLessThanOrEqual(llm?.latency.total.max ?? 0);
    expect(llm?.instances.some((i) => i.latency.first_piece?.count === 1)).toBe(true);
  });

  it("ends a stream that breaks with an error event, and does not retry it elsewhere", async () => {
    backend.mode = "break";
    try {
      const got = collector();
      const result = dispatcher.dispatch(
        { method: "POST", path: "/v1/chat/completions", body: CHAT, onPiece: got.onPiece },
        { source: "test", index: 0, maxAttempts: 2 },
      );
      await got.first;
      backend.release();
      const done = await result;
      expect(done.status).toBe("error");
      expect(done.attempts).toBe(1);
      expect(done.error).toMatch(/broke after 1 piece/);
      expect(got.text()).toBe(chunk(WORDS[0], null));

      // Through the front: the HTTP status was already sent, so the error comes as a last event.
      const res = fetch(`${front.baseUrl("llm")}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(CHAT),
      });
      const response = await res;
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const first = await reader.read();
      backend.release();
      let body = Buffer.from(first.value ?? []).toString();
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        body += Buffer.from(part.value).toString();
      }
      expect(body.startsWith(chunk(WORDS[0], null))).toBe(true);
      const last = JSON.parse(body.trim().split("\n\n").at(-1)!.slice("data: ".length));
      expect(last.error.code).toBe("backend");
      expect(last.error.message).toMatch(/not retried/);
    } finally {
      backend.mode = "finish";
    }
  });

  it("stops the backend when the HTTP client goes away mid-stream", async () => {
    backend.mode = "finish";
    const before = backend.abandoned;
    const controller = new AbortController();
    const response = await fetch(`${front.baseUrl("llm")}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(CHAT),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toBe(chunk(WORDS[0], null));
    controller.abort();
    await expect.poll(() => backend.abandoned, { timeout: 5_000 }).toBe(before + 1);
    await expect.poll(() => hosts.reduce((n, host) => n + host.status().inflight, 0), { timeout: 5_000 }).toBe(0);
  });

  it("sends a whole answer as events: rebuilt from JSON, or passed on when it already is a stream", async () => {
    const server = createServer((req, res) => {
      const whole = req.url === "/json" ? { choices: [{ index: 0, message: { content: "hi" } }] } : FULL_STREAM;
      writeAsEventStream(res, "/v1/chat/completions", whole);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // An older host that does not pass pieces on answers with the whole event stream as text.
      expect(await (await fetch(`${base}/text`)).text()).toBe(FULL_STREAM);
      const rebuilt = await fetch(`${base}/json`);
      expect(rebuilt.headers.get("content-type")).toBe("text/event-stream");
      const events = (await rebuilt.text()).trim().split("\n\n");
      expect(JSON.parse(events[0]!.slice("data: ".length)).choices[0].delta.content).toBe("hi");
      expect(events.at(-1)).toBe("data: [DONE]");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("ends a remote stream whose consumer fails, and keeps the endpoint in rotation", async () => {
    backend.mode = "finish";
    const before = backend.abandoned;
    const { dispatcher: remote } = newDispatcher("far");
    remote.add(0, new HttpChannel(`${backend.url}/v1`), true);
    try {
      const failed = await remote.dispatch(
        {
          method: "POST",
          path: "/v1/chat/completions",
          body: CHAT,
          onPiece: () => {
            throw new Error("consumer failed");
          },
        },
        { source: "test", index: 0 },
      );
      expect(failed).toMatchObject({ status: "error", attempts: 1 });
      expect(failed.error).toMatch(/consumer failed/);
      await expect.poll(() => backend.abandoned, { timeout: 5_000 }).toBe(before + 1);
      const next = await remote.dispatch(
        { method: "POST", path: "/v1/completions", body: { prompt: "go" } },
        { source: "test", index: 1 },
      );
      expect(next.status).toBe("ok");
    } finally {
      await remote.close();
    }
  });

  it("streams from a remote OpenAI-compatible endpoint over HTTP", async () => {
    backend.mode = "finish";
    const { dispatcher: remote } = newDispatcher("far");
    remote.add(0, new HttpChannel(`${backend.url}/v1`), true);
    try {
      const before = backend.finished;
      let finishedAtFirst: number | undefined;
      const pieces: Buffer[] = [];
      const done = await remote.dispatch(
        {
          method: "POST",
          path: "/v1/chat/completions",
          body: CHAT,
          onPiece: (piece) => {
            if (finishedAtFirst === undefined) {
              finishedAtFirst = backend.finished;
              backend.release();
            }
            pieces.push(piece);
          },
        },
        { source: "test", index: 0 },
      );
      expect(done.status).toBe("ok");
      expect(finishedAtFirst).toBe(before);
      expect(Buffer.concat(pieces).toString()).toBe(FULL_STREAM);
      expect(done.stamps?.client_first_piece).toBeGreaterThanOrEqual(done.stamps?.client_sent ?? Number.NaN);
    } finally {
      await remote.close();
    }
  });
});
