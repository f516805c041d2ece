/**
 * `backend: stdio` through the binary, with real Python programs: requests
 * in flight together, replies out of order matched by id, an error reply,
 * lines that are not replies (logged and counted), the HTTP front, and the
 * example in examples/.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

interface ResponseLine {
  index: number;
  status: "ok" | "error";
  attempts: number;
  http_status?: number;
  error?: string;
  response?: { echo: Record<string, unknown>; inflight_seen: number; barrier: boolean; replied_as: number } | null;
}

const PYTHON = "/usr/bin/python3";
const readLines = <T>(path: string): T[] =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as T);

describe("backend: stdio", () => {
  it("keeps several requests in flight, matches out-of-order replies by id, and survives stray lines", async () => {
    const dir = tempDir("flotilla-stdio-");
    const requests = [
      { together: 3, n: 0 },
      { together: 3, n: 1 },
      { together: 3, n: 2 },
      { fail: "no such model" },
      { n: 4 },
    ];
    writeFileSync(join(dir, "requests.jsonl"), requests.map((r) => JSON.stringify(r)).join("\n"));
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
services:
  - name: echo
    backend: stdio
    command: ["${PYTHON}", "${join(REPO, "test/fixtures/python/stdio-echo.py")}"]
    max_inflight: 4
tasks:
  - name: batch
    service: echo
    requests: requests.jsonl
    concurrency: 3
  - name: front
    uses: [echo]
    command: ["sh", "-c", "curl -sS -H \\"authorization: Bearer $OPENAI_API_KEY\\" -H 'content-type: application/json' -d '{\\"n\\":\\"via front\\"}' $OPENAI_BASE_URL/completions"]
`,
    );
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--cores", "4", "--session-dir", session], { cwd: dir });
    // One request failed on purpose, so its task (and the run) fails.
    expect(result.code, result.stderr).toBe(1);
    const responses = readLines<ResponseLine>(join(session, "tasks", "batch", "responses.jsonl"));
    expect(responses.map((r) => r.status)).toEqual(["ok", "ok", "ok", "error", "ok"]);
    const first = responses.slice(0, 3);
    // All three were at the program at once, and it answered the last one first.
    expect(first.map((r) => r.response?.barrier)).toEqual([true, true, true]);
    expect(first[2]?.response?.inflight_seen).toBeGreaterThanOrEqual(3);
    // (The front's request may be answered in between: only the order counts.)
    const order = first.map((r) => r.response?.replied_as ?? 0);
    expect(order).toEqual([...order].sort((a, b) => b - a));
    expect(first.map((r) => r.response?.echo.n)).toEqual([0, 1, 2]);
    expect(responses[4]?.response?.echo).toEqual({ n: 4 });
    // The program's error: its message, a 422, not retried elsewhere.
    expect(responses[3]).toMatchObject({ attempts: 1, http_status: 422 });
    expect(responses[3]?.error).toMatch(/no such model/);

    const front = JSON.parse(readFileSync(join(session, "logs", "front.out"), "utf8"));
    expect(front.echo).toEqual({ n: "via front" });
    const log = readFileSync(join(session, "logs", "echo.0.err"), "utf8");
    expect(log).toMatch(/not a reply to a waiting request, ignored: stdio-echo: starting/);
    expect(log).toMatch(/ignored: \{"id": 987654/);
    expect(log).toMatch(/2 line\(s\) in all were not replies/);
  });

  it("runs examples/stdio.yaml with the example model", async () => {
    const dir = tempDir("flotilla-stdio-");
    const session = join(dir, "session");
    const result = await runCli(["run", "stdio.yaml", "--cores", "4", "--session-dir", session], {
      cwd: join(REPO, "examples"),
    });
    expect(result.code, result.stderr).toBe(0);
    const responses = readLines<{ status: string; response: { choices: { text: string }[] } }>(
      join(session, "tasks", "prompts", "responses.jsonl"),
    );
    expect(responses.length).toBeGreaterThan(3);
    expect(responses.every((r) => r.status === "ok")).toBe(true);
    expect(responses[0]?.response.choices[0]?.text).toBe("?allitolf a si tahW");
    expect(readFileSync(join(session, "logs", "client.out"), "utf8")).toContain('"text":"desserts"');
  });
});
