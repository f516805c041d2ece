/**
 * `flotilla bench bootstrap` and `inference` with a real model: the GGUF test server
 * (node-llama-cpp over a tiny generated model) as the OpenAI-compatible
 * instances, launched by the run (local) and behind `flotilla serve` and the
 * latency proxy (remote). Every request is answered with real tokens, and
 * the figures hold the numbers of results.json, tokens per second included.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { MODEL_SERVER, ROOT } from "../helpers/host-process.js";
import { tempDir } from "../helpers/tmp.js";
import { barLabels, labelNumbers, readJson } from "./svg.js";

interface Row {
  runtime: string;
  mode: string;
  clients: number;
  instances: number;
  requests: number;
  errors: number;
  tokens_per_s?: { mean: number };
  inference: { mean: number };
  [component: string]: unknown;
}

function modelWorkload(dir: string): void {
  const loader = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const server = [process.execPath, "--import", loader, MODEL_SERVER, "--port", "{port}", "--threads", "1"];
  writeFileSync(
    join(dir, "model.yaml"),
    `version: 1
services:
  - name: llm
    backend: openai
    command: ${JSON.stringify(server)}
    startup_timeout: 180s
    max_inflight: 2
`,
  );
}

describe("flotilla bench with a real model", () => {
  it("bootstrap measures the model server's load time like the NOOP host's", async () => {
    const dir = tempDir("flotilla-bench-model-boot-");
    modelWorkload(dir);
    const out = join(dir, "results");
    const bench = await runCli(
      [
        "bench",
        "bootstrap",
        "--workload",
        "model.yaml",
        "--service",
        "llm",
        "--instances",
        "1",
        "--rounds",
        "1",
        "--out",
        out,
      ],
      { cwd: dir },
    );
    expect(bench.code, bench.stderr).toBe(0);
    const results = readJson<{ rows: Array<{ instances: number; init: { count: number; mean: number } }> }>(
      join(out, "results.json"),
    );
    expect(results.rows).toHaveLength(1);
    expect(results.rows[0]!.init.count).toBe(1);
    // The host waits for the model to load and answer /v1/models before it is ready.
    expect(results.rows[0]!.init.mean).toBeGreaterThan(0);
  }, 300_000);

  it("inference measures a real GGUF model server locally and remotely, with tokens per second", async () => {
    const dir = tempDir("flotilla-bench-model-");
    modelWorkload(dir);
    const out = join(dir, "results");
    const bench = await runCli(
      [
        "bench",
        "inference",
        "--workload",
        "model.yaml",
        "--instances",
        "1",
        "--clients",
        "1,2",
        "--requests",
        "4",
        "--scaling",
        "strong",
        "--rounds",
        "1",
        "--delay",
        "5",
        "--max-tokens",
        "4",
        "--model",
        "tiny-llama",
        "--out",
        out,
      ],
      { cwd: dir },
    );
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/tok\/s/);
    const results = readJson<{ rows: Row[] }>(join(out, "results.json"));
    expect(results.rows).toHaveLength(4);
    for (const row of results.rows) {
      expect(row.errors).toBe(0);
      expect(row.requests).toBe(4);
      expect(row.inference.mean).toBeGreaterThan(0);
      expect(row.tokens_per_s?.mean).toBeGreaterThan(0);
    }
    const session = join(out, "sessions", "local-strong-c1-n1-r1");
    const answers = readFileSync(join(session, "tasks", "client0", "responses.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(answers).toHaveLength(4);
    for (const line of answers) {
      const answer = JSON.parse(line) as { status: string; response: { usage: { completion_tokens: number } } };
      expect(answer.status).toBe("ok");
      expect(answer.response.usage.completion_tokens).toBeGreaterThan(0);
    }

    const report = await runCli(["report", out], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    for (const mode of ["local", "remote"]) {
      const bars = barLabels(readFileSync(join(out, "report", `response-strong-${mode}.svg`), "utf8"));
      expect(bars).toHaveLength(2 * 3);
      for (const label of bars) {
        const [, clients] = /^flotilla (\d+) clients/.exec(label)!;
        const drawn = labelNumbers(label)!;
        const row = results.rows.find((r) => r.mode === mode && r.clients === Number(clients))!;
        expect(drawn.mean).toBeCloseTo((row[drawn.series] as { mean: number }).mean, 3);
      }
      const tokens = readFileSync(join(out, "report", `tokens-strong-${mode}.svg`), "utf8");
      expect(tokens).toContain("tokens mean");
    }
  }, 600_000);
});
