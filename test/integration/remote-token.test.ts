/**
 * Remote HTTP endpoints with a bearer token (`token_env`, `token_file`):
 * a tiny OpenAI-shaped server in the test records the Authorization header
 * of every request the run sends it; the token appears in no record.
 */

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";

const ENV_TOKEN = "env-secret-0123456789";
const FILE_TOKEN = "file-secret-9876543210";

let server: Server;
let url: string;
const seen: { path: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    req.resume();
    req.on("end", () => {
      const known = [ENV_TOKEN, FILE_TOKEN].map((token) => `Bearer ${token}`);
      if (req.url !== "/v1/models" && !known.includes(req.headers.authorization ?? "")) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ error: { message: "no key", type: "invalid_request_error", code: "invalid_api_key" } }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(req.url === "/v1/models" ? { data: [{ id: "m" }] } : { choices: [{ text: "ok" }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function workspace(): string {
  const dir = tempDir("flotilla-remote-token-");
  writeFileSync(join(dir, "near.token"), `${FILE_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "prompts.jsonl"), '{"prompt":"a"}\n{"prompt":"b"}\n');
  writeFileSync(
    join(dir, "workload.yaml"),
    `version: 1
services:
  - name: far
    endpoints: [{ url: "${url}", token_env: FAR_KEY }]
  - name: near
    endpoints: [{ url: "${url}", token_file: near.token }]
tasks:
  - name: to-far
    service: far
    requests: prompts.jsonl
  - name: to-near
    service: near
    requests: prompts.jsonl
`,
  );
  return dir;
}

describe("remote HTTP endpoints with a token", () => {
  it("send each endpoint's token as a bearer header, and record it nowhere", async () => {
    const dir = workspace();
    const session = join(dir, "session");
    seen.length = 0;
    const result = await runCli(["run", "workload.yaml", "--json", "--session-dir", session], {
      cwd: dir,
      env: { FAR_KEY: ENV_TOKEN },
    });
    expect(result.code, result.stderr).toBe(0);
    const sent = seen.filter((request) => request.path === "/v1/completions").map((r) => r.authorization);
    expect(sent.sort()).toEqual([
      `Bearer ${ENV_TOKEN}`,
      `Bearer ${ENV_TOKEN}`,
      `Bearer ${FILE_TOKEN}`,
      `Bearer ${FILE_TOKEN}`,
    ]);
    const summaries = ofType(parseNdjson(result.stdout), "log").filter((e) => e.subject?.startsWith("to-"));
    expect(summaries.map((e) => e.message.split(",")[0])).toEqual(["2 requests", "2 requests"]);
    const records = [
      result.stdout,
      result.stderr,
      readFileSync(join(session, "events.jsonl"), "utf8"),
      ...readdirSync(join(session, "logs")).map((log) => readFileSync(join(session, "logs", log), "utf8")),
    ];
    for (const record of records) {
      expect(record).not.toContain(ENV_TOKEN);
      expect(record).not.toContain(FILE_TOKEN);
    }
  });

  it("fail the run (exit 2) naming a token_env that is not set, before any request", async () => {
    const dir = workspace();
    seen.length = 0;
    const result = await runCli(["run", "workload.yaml", "--json", "--session-dir", join(dir, "session")], {
      cwd: dir,
    });
    expect(result.code).toBe(2);
    const end = ofType(parseNdjson(result.stdout), "session:end")[0];
    expect(end?.reason).toBe(`endpoint ${url} of service far: token_env FAR_KEY is not set`);
    expect(seen.filter((request) => request.path === "/v1/completions")).toEqual([]);
  });
});
