/**
 * Runs the benchmarks one after another (bench/README.md):
 *
 *   npm run bench                 # every benchmark
 *   npm run bench -- request plan # just these
 *
 * Each prints its own table with the ratio against its baseline; this exits
 * non-zero if any of them failed to run.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const BENCHMARKS: Record<string, string> = {
  plan: "bench/plan.ts",
  launch: "bench/launch.ts",
  launchers: "bench/launchers.ts",
  request: "bench/request/run.ts",
  curve: "bench/request/curve.ts",
  balance: "bench/request/balance.ts",
  tui: "bench/tui/run.ts",
  soak: "bench/soak/run.ts",
};

const root = resolve(import.meta.dirname, "..");
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(BENCHMARKS).join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of chosen.length > 0 ? chosen : Object.keys(BENCHMARKS)) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ["--import", "tsx", resolve(root, BENCHMARKS[name]!)], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error(`${name}: exited with ${result.status ?? result.signal}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
