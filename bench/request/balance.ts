/**
 * Balancing policies side by side: one slow and three fast instances (a
 * `backend: stdio` Python model; instance 0 takes --slow ms per request, the
 * others --fast ms), one inference task of --requests requests at
 * --concurrency, through the built binary, for round_robin,
 * least_outstanding and power_of_two in turn, --rounds times each
 * (alternating, so a change of load on the machine hits all alike). Reports
 * the median round's mean, p50, p95 and p99 of the total latency and the slow instance's
 * share. Not a timed test.
 *
 *   npx tsx bench/request/balance.ts [--requests 400] [--concurrency 8] [--slow 40] [--fast 4] [--rounds 2]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { EngineEvent } from "../../engine/events.js";

const root = resolve(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "400" },
    concurrency: { type: "string", default: "8" },
    slow: { type: "string", default: "40" },
    fast: { type: "string", default: "4" },
    rounds: { type: "string", default: "2" },
  },
});
const POLICIES = ["round_robin", "least_outstanding", "power_of_two"] as const;
const requests = Number(values.requests);
const rounds = Math.min(Number(values.rounds), 10);

interface Round {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  slowShare: number;
  errors: number;
}

function runOnce(policy: string, dir: string): Round {
  const session = join(dir, `session-${policy}-${Date.now()}`);
  writeFileSync(
    join(dir, "w.yaml"),
    `version: 1
services:
  - name: m
    backend: stdio
    command: ["/usr/bin/python3", "${join(root, "bench/request/stdio-delay.py")}", "{instance}", "0", "${values.slow}", "${values.fast}"]
    replicas: 4
    balance: ${policy}
tasks:
  - name: batch
    service: m
    requests: requests.jsonl
    concurrency: ${values.concurrency}
`,
  );
  const result = spawnSync(
    join(root, "dist", "flotilla"),
    ["run", "w.yaml", "--json", "--cores", "6", "--session-dir", session],
    {
      cwd: dir,
      encoding: "utf8",
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`${policy}: flotilla exited ${result.status}: ${result.stderr}`);
  const events = result.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as EngineEvent);
  const final = events.filter((e) => e.type === "metrics").at(-1);
  const service = final?.type === "metrics" ? final.services[0] : undefined;
  if (service === undefined) throw new Error(`${policy}: no metrics`);
  rmSync(session, { recursive: true, force: true });
  const slow = service.instances.find((i) => i.instance === 0)?.completed ?? 0;
  return {
    mean: service.latency.total.mean,
    p50: service.latency.total.p50,
    p95: service.latency.total.p95,
    p99: service.latency.total.p99,
    slowShare: slow / Math.max(1, service.completed),
    errors: service.errors,
  };
}

const dir = mkdtempSync(join(tmpdir(), "flotilla-bench-balance-"));
try {
  writeFileSync(join(dir, "requests.jsonl"), Array.from({ length: requests }, () => '{"prompt":"x"}').join("\n"));
  const results = new Map<string, Round[]>(POLICIES.map((p) => [p, []]));
  for (let round = 0; round < rounds; round++) {
    for (const policy of POLICIES) results.get(policy)?.push(runOnce(policy, dir));
  }
  console.log(
    `\n${requests} requests, concurrency ${values.concurrency}, 4 instances: #0 ${values.slow} ms, #1-3 ${values.fast} ms; median of ${rounds} round(s) by p99`,
  );
  console.log("policy              mean ms    p50 ms    p95 ms    p99 ms   slow instance's share   errors");
  for (const [policy, list] of results) {
    const sorted = [...list].sort((a, b) => a.p99 - b.p99);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as Round;
    console.log(
      `${policy.padEnd(18)} ${median.mean.toFixed(1).padStart(8)} ${median.p50.toFixed(1).padStart(9)} ${median.p95.toFixed(1).padStart(9)} ${median.p99.toFixed(1).padStart(9)} ${`${(median.slowShare * 100).toFixed(1)}%`.padStart(23)} ${String(median.errors).padStart(8)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
