/**
 * The HTTP front spreads requests by the service's `balance`, and inference
 * tasks that name none use it too: one slow and one fast stdio instance
 * (real Python programs), requests from a Python client through the front.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";

const PYTHON = "/usr/bin/python3";
// The benchmark's own model: the test runs the same program the balance benchmark measures.
const MODEL = join(REPO, "bench/request/stdio-delay.py");
const CLIENT = join(REPO, "test/fixtures/python/front-load.py");

/** Per instance, the requests the front's client got answered by it, and the inference task's share. */
async function run(balance: string): Promise<{ front: Record<string, number>; task: number[] }> {
  const dir = tempDir("flotilla-balance-");
  writeFileSync(join(dir, "requests.jsonl"), Array.from({ length: 20 }, () => '{"prompt": "x"}').join("\n"));
  writeFileSync(
    join(dir, "w.yaml"),
    `version: 1
services:
  - name: m
    backend: stdio
    command: ["${PYTHON}", "${MODEL}", "{instance}", "0", "300", "2"]
    replicas: 2
    balance: ${balance}
tasks:
  - name: client
    uses: [m]
    command: ["${PYTHON}", "${CLIENT}", "20", "4"]
  - name: batch
    service: m
    requests: requests.jsonl
    concurrency: 4
    uses: [m]
`,
  );
  const session = join(dir, "session");
  const result = await runCli(["run", "w.yaml", "--json", "--cores", "6", "--session-dir", session], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  const front = JSON.parse(readFileSync(join(session, "logs", "client.out"), "utf8")) as Record<string, number>;
  const batch = readFileSync(join(session, "tasks", "batch", "responses.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { instance: number });
  const task = [0, 1].map((i) => batch.filter((r) => r.instance === i).length);
  // The final metrics count both: the front's 20 and the task's 20.
  const final = ofType(parseNdjson(result.stdout), "metrics").at(-1);
  expect(final?.services[0]?.completed).toBe(40);
  return { front, task };
}

describe("balance: on a service", () => {
  it("round_robin: the front and the task give the slow instance its half", async () => {
    const { front, task } = await run("round_robin");
    // One cursor for both (they may interleave): every other request overall.
    expect([(front["0"] ?? 0) + (task[0] ?? 0), (front["1"] ?? 0) + (task[1] ?? 0)]).toEqual([20, 20]);
  });

  it("power_of_two: the front and the task send most requests to the fast instance", async () => {
    const { front, task } = await run("power_of_two");
    // Of two instances it always takes the one with fewer outstanding: the slow one holds its requests long.
    expect(front["0"] ?? 0).toBeLessThan(10);
    expect(task[0]).toBeLessThan(10);
  });
});
