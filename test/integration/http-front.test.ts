import { execFile } from "node:child_process";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Dispatcher } from "../../engine/request/dispatch/dispatcher.js";
import { ZmqChannel } from "../../engine/request/dispatch/zmq-channel.js";
import { type HttpFront, requestPathEnv, startHttpFront } from "../../engine/request/front/http-front.js";
import type { ServiceHost } from "../../engine/request/host/server.js";
import { newDispatcher, startNoopHost } from "./dispatch-hosts.js";

const run = promisify(execFile);

const TOKEN = "front-test-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };

let hosts: ServiceHost[] = [];
let dispatcher: Dispatcher;
let front: HttpFront;

beforeAll(async () => {
  hosts = await Promise.all([startNoopHost("echo"), startNoopHost("echo")]);
  ({ dispatcher } = newDispatcher("echo"));
  for (const [i, host] of hosts.entries()) dispatcher.add(i, new ZmqChannel(host.endpoint, "echo"));
  front = await startHttpFront({ dispatcherFor: (name) => (name === "echo" ? dispatcher : undefined), token: TOKEN });
});

afterAll(async () => {
  await front?.close();
  await dispatcher?.close();
  await Promise.all(hosts.map((h) => h.stop(100)));
});

describe("HTTP front over noop service hosts", () => {
  it("serves the official openai client: models, completions, chat, streaming", async () => {
    const client = new OpenAI({ baseURL: front.baseUrl("echo"), apiKey: TOKEN, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data[0]?.id).toBe("noop");
    const completion = await client.completions.create({ model: "noop", prompt: "hello there" });
    expect(completion.choices[0]?.text).toBe("hello there");
    const chat = await client.chat.completions.create({
      model: "noop",
      messages: [{ role: "user", content: "ping" }],
    });
    expect(chat.choices[0]?.message.content).toBe("ping");
    const stream = await client.chat.completions.create({
      model: "noop",
      messages: [{ role: "user", content: "streamed" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("streamed");
  });

  it("balances across instances and reports where and how long in headers", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${front.baseUrl("echo")}/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...AUTH },
        body: JSON.stringify({ prompt: `n${i}` }),
      });
      expect(res.status).toBe(200);
      seen.add(res.headers.get("x-flotilla-instance") ?? "");
      expect(res.headers.get("server-timing")).toMatch(/communication;dur=[\d.]+, service;dur=[\d.]+, inference;dur/);
    }
    expect([...seen].sort()).toEqual(["0", "1"]);
  });

  it("answers curl", async () => {
    const { stdout } = await run("curl", [
      "-sS",
      "--fail-with-body",
      `${front.baseUrl("echo")}/chat/completions`,
      "-H",
      "content-type: application/json",
      "-H",
      `authorization: Bearer ${TOKEN}`,
      "-d",
      JSON.stringify({ model: "noop", messages: [{ role: "user", content: "from curl" }] }),
    ]);
    expect(JSON.parse(stdout).choices[0].message.content).toBe("from curl");
  });

  it("gives clear OpenAI-shaped errors", async () => {
    const small = await startHttpFront({ dispatcherFor: () => dispatcher, maxBodyBytes: 1_000, token: TOKEN });
    onTestFinished(() => small.close());
    const unknown = await fetch(`${front.url}/services/nope/v1/models`, { headers: AUTH });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("service_not_found");
    const badJson = await fetch(`${front.baseUrl("echo")}/completions`, {
      method: "POST",
      headers: AUTH,
      body: "{not json",
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    const noRoute = await fetch(`${front.url}/elsewhere`, { headers: AUTH });
    expect(noRoute.status).toBe(404);
    const huge = await fetch(`${small.baseUrl("echo")}/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...AUTH },
      body: JSON.stringify({ prompt: "x".repeat(2_000) }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
  });

  it("refuses a JSON body that is not an object", async () => {
    for (const body of ["[1,2]", '"text"', "42", "null", "true"]) {
      const res = await fetch(`${front.baseUrl("echo")}/completions`, { method: "POST", headers: AUTH, body });
      expect(res.status, body).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("invalid_body");
      expect(error.message).toMatch(/^request body must be a JSON object, not /);
    }
  });

  it("answers 401 in OpenAI's shape without the token, on every route", async () => {
    const paths = ["/services/echo/v1/models", "/services/nope/v1/models", "/elsewhere"];
    const wrong: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const path of paths) {
      for (const headers of wrong) {
        const res = await fetch(`${front.url}${path}`, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        const error = ((await res.json()) as { error: { code: string; type: string } }).error;
        expect(error).toMatchObject({ code: "invalid_api_key", type: "invalid_request_error" });
      }
    }
    const client = new OpenAI({ baseURL: front.baseUrl("echo"), apiKey: "wrong", maxRetries: 0 });
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("names the env a task gets for a service", () => {
    expect(requestPathEnv("my-llm", front.baseUrl("my-llm"), ["tcp://127.0.0.1:1", "tcp://127.0.0.1:2"])).toEqual({
      FLOTILLA_SERVICE_MY_LLM_HTTP: `${front.url}/services/my-llm/v1`,
      FLOTILLA_SERVICE_MY_LLM_ZMQ: "tcp://127.0.0.1:1,tcp://127.0.0.1:2",
    });
  });
});
