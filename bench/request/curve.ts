/**
 * The price of authentication on the request path (bench/README.md, "CURVE"):
 * the same NOOP load through the dispatcher to service hosts bound three
 * ways, in alternating rounds: TCP without authentication (`--insecure`),
 * TCP with CURVE (hosts on other nodes), and ipc (hosts on the engine's
 * machine, what `flotilla run` uses there).
 *
 *   npx tsx bench/request/curve.ts [--requests 1024] [--rounds 3] [--pipelined 8] [--out results.json]
 *
 * Shapes: 1 client × 1 host, 16 clients × 1 host (1 in flight each, then
 * --pipelined). Reports each mode's median round by throughput.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CurveClientKeys } from "../../engine/request/auth/client-keys.js";
import { certificateText, writePrivateFile } from "../../engine/request/auth/key-files.js";
import { newKeyPair } from "../../engine/request/auth/new-key-pair.js";
import { flotillaLoad, type LoadResult } from "./flotilla-load.js";
import { startTs, stopAll } from "./processes.js";
import { printRows } from "./report.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1024" },
    rounds: { type: "string", default: "3" },
    pipelined: { type: "string", default: "8" },
    out: { type: "string" },
  },
});
const requests = Math.min(Math.max(Number(values.requests) || 1024, 1), 100_000);
const rounds = Math.min(Math.max(Number(values.rounds) || 3, 1), 20);
const pipelined = Math.min(Math.max(Number(values.pipelined) || 8, 1), 256);

const deadline = setTimeout(() => {
  console.error("benchmark exceeded 10 minutes; stopping");
  void stopAll().then(() => process.exit(1));
}, 10 * 60_000);
deadline.unref();

// Keys go to hosts as files in a private directory, as the engine does it.
const dir = mkdtempSync(join(tmpdir(), "flotilla-bench-curve-"));
const server = newKeyPair();
const client = newKeyPair();
writePrivateFile(join(dir, "server.key_secret"), certificateText(server));
writeFileSync(join(dir, "client.key"), certificateText({ publicKey: client.publicKey }));
const keys: CurveClientKeys = { serverKey: server.publicKey, ...client };

const MODES = {
  insecure: { args: [] as string[], keys: undefined },
  curve: {
    args: ["--curve-secret", join(dir, "server.key_secret"), "--curve-clients", join(dir, "client.key")],
    keys,
  },
  ipc: { args: ["--bind", `ipc://${join(dir, "host.sock")}`], keys: undefined },
} as const;
type Mode = keyof typeof MODES;

const samples: Record<string, LoadResult[]> = {};
try {
  const hosts = {} as Record<Mode, string>;
  for (const mode of Object.keys(MODES) as Mode[]) {
    hosts[mode] = (await startTs("bench/request/noop-host.ts", [...MODES[mode].args])).first;
  }
  const shapes = [
    ["1x1", 1, 1],
    ["16x1", 16, 1],
    [`16x1 ×${pipelined}`, 16, pipelined],
  ] as const;
  for (let round = 1; round <= rounds; round++) {
    console.error(`round ${round}/${rounds}…`);
    for (const [shape, clients, window] of shapes) {
      for (const mode of Object.keys(MODES) as Mode[]) {
        const name = `${mode.padEnd(8)} ${shape}`;
        const result = await flotillaLoad([hosts[mode]], clients, requests, window, undefined, MODES[mode].keys);
        samples[name] ??= [];
        samples[name].push(result);
      }
    }
  }
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}

const results: Record<string, LoadResult> = {};
for (const [name, runs] of Object.entries(samples)) {
  results[name] = [...runs].sort((a, b) => a.throughput - b.throughput)[Math.floor(runs.length / 2)]!;
}
printRows(results);
console.log("\nCURVE / insecure TCP and ipc / insecure TCP, throughput (p50 total ms)");
for (const shape of ["1x1", "16x1", `16x1 ×${pipelined}`]) {
  const base = results[`${"insecure".padEnd(8)} ${shape}`]!;
  const row = (["curve", "ipc"] as const).map((mode) => {
    const r = results[`${mode.padEnd(8)} ${shape}`]!;
    return `${mode} ${(r.throughput / base.throughput).toFixed(2)}x (${r.latency.total.p50.toFixed(3)} vs ${base.latency.total.p50.toFixed(3)})`;
  });
  console.log(`${shape.padEnd(10)} ${row.join("   ")}`);
}
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
