/**
 * The HTTP front over a real model: a workload launches the node-llama-cpp
 * OpenAI-compatible server as `backend: openai` (behind its service host),
 * and two client tasks reach it, one with the official openai npm client
 * (OPENAI_BASE_URL and OPENAI_API_KEY from the run) and one with curl
 * (FLOTILLA_SERVICE_LLM_HTTP and the token file). Real tokens come back,
 * and a streamed chat arrives in pieces as the model makes them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { startCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { MODEL_SERVER, ROOT } from "../helpers/host-process.js";
import { tempDir } from "../helpers/tmp.js";

const CLIENT = `
import { createRequire } from "node:module";
const require = createRequire(${JSON.stringify(join(ROOT, "package.json"))});
const { OpenAI } = require("openai");
// OPENAI_BASE_URL and OPENAI_API_KEY come from the run, as for any OpenAI client.
const client = new OpenAI({ maxRetries: 0 });
const models = await client.models.list();
const completion = await client.completions.create({ model: "tiny-llama", prompt: "once upon a time", max_tokens: 8 });
const chat = await client.chat.completions.create({
  model: "tiny-llama",
  messages: [{ role: "user", content: "hello" }],
  max_tokens: 8,
});
const stream = await client.chat.completions.create({
  model: "tiny-llama",
  messages: [{ role: "user", content: "hello" }],
  max_tokens: 8,
  stream: true,
});
let streamed = "";
let pieces = 0;
for await (const chunk of stream) {
  const text = chunk.choices[0]?.delta?.content ?? "";
  if (text.length > 0) pieces++;
  streamed += text;
}
console.log(JSON.stringify({
  models: models.data.map((m) => m.id),
  completion: completion.choices[0].text,
  completionTokens: completion.usage.completion_tokens,
  chat: chat.choices[0].message.content,
  streamed,
  pieces,
}));
`;

describe("HTTP front over a real model", () => {
  it("serves the openai npm client and curl with real tokens, balanced over ZeroMQ", async () => {
    const dir = tempDir("flotilla-front-model-");
    writeFileSync(join(dir, "client.mjs"), CLIENT);
    const loader = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const server = [process.execPath, "--import", loader, MODEL_SERVER, "--port", "{port}", "--threads", "1"];
    const curl = `curl -sS --fail-with-body "$FLOTILLA_SERVICE_LLM_HTTP/chat/completions" -H "authorization: Bearer $(cat "$FLOTILLA_FRONT_TOKEN_FILE")" -H 'content-type: application/json' -d '{"model":"tiny-llama","messages":[{"role":"user","content":"hi"}],"max_tokens":6}'`;
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: llm
    backend: openai
    command: ${JSON.stringify(server)}
    startup_timeout: 180s
    max_inflight: 2
tasks:
  - name: sdk
    command: ${JSON.stringify([process.execPath, join(dir, "client.mjs")])}
    uses: [llm]
  - name: curl
    command: ${JSON.stringify(["sh", "-c", curl])}
    uses: [llm]
`,
    );
    const session = join(dir, "session");
    const result = await startCli(["run", "workload.yaml", "--json", "--cores", "8", "--session-dir", session], {
      cwd: dir,
    }).done;
    expect(result.code, `${result.stderr}\n${readFileSync(join(session, "logs", "sdk.err"), "utf8")}`).toBe(0);
    const sdk = JSON.parse(readFileSync(join(session, "logs", "sdk.out"), "utf8"));
    expect(sdk.models).toEqual(["tiny-llama"]);
    expect(sdk.completionTokens).toBeGreaterThan(0);
    expect(sdk.completion.length).toBeGreaterThan(0);
    expect(typeof sdk.chat).toBe("string");
    expect(sdk.streamed).toBe(sdk.chat);
    // Passed on as the model made it, not rebuilt from a whole reply (which is one piece).
    expect(sdk.pieces).toBeGreaterThan(1);
    const viaCurl = JSON.parse(readFileSync(join(session, "logs", "curl.out"), "utf8"));
    expect(viaCurl.model).toBe("tiny-llama");
    expect(viaCurl.usage.completion_tokens).toBeGreaterThan(0);
    const final = ofType(parseNdjson(result.stdout), "metrics").at(-1);
    const llm = final?.services.find((s) => s.service === "llm");
    // models, completion, chat, streamed chat, curl: five requests through the front.
    expect(llm?.completed).toBe(5);
    expect(llm?.latency.inference.p50).toBeGreaterThan(0);
    // The one streamed request has its time to first token, well inside its whole answer.
    expect(llm?.latency.first_piece?.count).toBe(1);
    expect(llm?.latency.first_piece?.max).toBeLessThan(llm?.latency.total.max ?? 0);
    // The profile has when the first piece of the streamed chat reached the front.
    const profile = readFileSync(join(session, "profile", "llm.jsonl"), "utf8")
      .trim()
      .split("\n");
    const streamedRow = profile.map((line) => JSON.parse(line)).find((row) => row.stamps?.client_first_piece);
    expect(streamedRow.stamps.client_first_piece).toBeGreaterThanOrEqual(streamedRow.stamps.client_sent);
    expect(streamedRow.stamps.client_first_piece).toBeLessThanOrEqual(streamedRow.stamps.client_received);
  });
});
