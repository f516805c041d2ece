/**
 * What a neighbour can hold of the HTTP front: slow requests are cut off,
 * silent connections closed, open connections capped; a slow answer is not
 * cut. Short limits, so no test waits long; every wait is bounded.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Dispatcher } from "../../engine/request/dispatch/dispatcher.js";
import { ZmqChannel } from "../../engine/request/dispatch/zmq-channel.js";
import { type HttpFront, startHttpFront } from "../../engine/request/front/http-front.js";
import type { HttpFrontLimits } from "../../engine/request/front/limits.js";
import type { ServiceHost } from "../../engine/request/host/server.js";
import { newDispatcher, startNoopHost } from "./dispatch-hosts.js";

const TOKEN = "limits-test-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };

let host: ServiceHost;
let dispatcher: Dispatcher;

beforeAll(async () => {
  host = await startNoopHost("slow", { delayMs: 800 });
  ({ dispatcher } = newDispatcher("slow"));
  dispatcher.add(0, new ZmqChannel(host.endpoint, "slow"));
});

afterAll(async () => {
  await dispatcher?.close();
  await host?.stop(100);
});

async function front(limits: Partial<HttpFrontLimits>): Promise<HttpFront> {
  const started = await startHttpFront({ dispatcherFor: () => dispatcher, token: TOKEN, limits });
  onTestFinished(() => started.close());
  return started;
}

interface Raw {
  socket: Socket;
  /** Everything the server sent, once it closed the connection (rejects after 10 s). */
  closed: Promise<string>;
}

function open(port: number, send = ""): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    onTestFinished(() => void socket.destroy());
    let received = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      received += chunk;
    });
    socket.on("error", () => {});
    const closed = new Promise<string>((done, fail) => {
      const guard = setTimeout(() => fail(new Error(`still open after 10 s; got ${JSON.stringify(received)}`)), 10_000);
      socket.once("close", () => {
        clearTimeout(guard);
        done(received);
      });
    });
    socket.once("connect", () => {
      if (send) socket.write(send);
      resolve({ socket, closed });
    });
    socket.once("error", reject);
  });
}

const head = (length: number) =>
  `POST /services/slow/v1/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n` +
  `content-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;

describe("HTTP front limits", () => {
  it("closes a connection whose body trickles in past the request timeout", async () => {
    const f = await front({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const raw = await open(f.port, `${head(100)}{"prompt":`);
    const answer = await raw.closed;
    // Node answers 408 when it can; either way the connection is gone.
    expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
  });

  it("closes a connection whose headers trickle in, and one that never sends a byte", async () => {
    const f = await front({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const partial = await open(f.port, "POST /services/slow/v1/completions HTTP/1.1\r\nhost: x\r\n");
    const silent = await open(f.port);
    for (const answer of [await partial.closed, await silent.closed]) {
      expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
    }
  });

  it("lets an answer take longer than the request timeout once the request is in", async () => {
    const f = await front({ headersTimeoutMs: 200, requestTimeoutMs: 300 });
    const res = await fetch(`${f.baseUrl("slow")}/completions`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ prompt: "worth the wait" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: { text: string }[] }).choices[0]?.text).toBe("worth the wait");
  });

  it("closes connections past the cap as they arrive, and takes new ones when one goes", async () => {
    const f = await front({ maxConnections: 3, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    const held = await Promise.all([open(f.port), open(f.port), open(f.port)]);
    const refused = await open(f.port, "GET /services/slow/v1/models HTTP/1.1\r\nhost: x\r\n\r\n");
    expect(await refused.closed).toBe("");
    held[0]?.socket.destroy();
    await held[0]?.closed;
    // The server counts the closed one down on its own turn: retry a bounded number of times.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await fetch(`${f.baseUrl("slow")}/models`, { headers: AUTH }).then(
        (res) => res.status,
        () => 0,
      );
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });
});
