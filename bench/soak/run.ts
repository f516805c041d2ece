/**
 * Memory over a long run: 1,000,000 NOOP requests through `flotilla run`
 * (an inference task over two noop instances), with the resident memory
 * (VmRSS, /proc) of the engine and of the service hosts read after the first
 * 100,000 requests and at the end. Target: both within 10%.
 *
 *   npx tsx bench/soak/run.ts [--requests 1000000] [--baseline-at 100000] [--replicas 2] [--concurrency 32]
 *
 * Bounded: 15 minutes at most (the run is killed), one run. Writes its
 * session (about 800 MB of responses and profile for a million requests)
 * under the system temp dir and removes it afterwards. Runs dist/flotilla
 * when it is fresh, else the sources (test/helpers/cli.ts). The CI test
 * test/integration/soak.test.ts runs the same harness shorter.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { growth, soak } from "./soak.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    "baseline-at": { type: "string", default: "100000" },
    replicas: { type: "string", default: "2" },
    concurrency: { type: "string", default: "32" },
  },
});

const dir = mkdtempSync(join(tmpdir(), "flotilla-soak-"));
try {
  const result = await soak({
    dir,
    requests: Number(values.requests),
    baselineAt: Number(values["baseline-at"]),
    replicas: Number(values.replicas),
    concurrency: Number(values.concurrency),
    limitMs: 15 * 60_000,
  });
  const change = growth(result);
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
  console.log(`${result.completed} requests in ${(result.durationMs / 1000).toFixed(1)} s (exit ${result.code})`);
  console.log(`                after ${result.baseline.completed}   at the end   change`);
  console.log(
    `engine RSS      ${mb(result.baseline.engineKb).padEnd(16)}${mb(result.end.engineKb).padEnd(13)}${pct(change.engine)}`,
  );
  console.log(
    `hosts RSS       ${mb(result.baseline.hostsKb).padEnd(16)}${mb(result.end.hostsKb).padEnd(13)}${pct(change.hosts)}`,
  );
  const pass = result.ok && Math.abs(change.engine) <= 0.1 && Math.abs(change.hosts) <= 0.1;
  console.log(pass ? "PASS: both within 10%" : "FAIL: not both within 10%");
  process.exitCode = pass ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
