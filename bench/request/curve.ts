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
 * --pipelined). Reports each mode's median round by throughput, and the
 * median CPU time per request of the host process and of this (client)
 * process, ZeroMQ's I/O threads included: on a busy machine throughput
 * swings with the neighbours' load, CPU per request much less.
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
const cpu: Record<string, { host: number[]; client: number[] }> = {};
try {
  const hosts = {} as Record<Mode, string>;
  const pids = {} as Record<Mode, number>;
  for (const mode of Object.keys(MODES) as Mode[]) {
    const started = await startTs("bench/request/noop-host.ts", [...MODES[mode].args]);
    hosts[mode] = started.first;
    pids[mode] = started.child.pid as number;
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
        const result = await flotillaLoad([hosts[mode]], clients, requests, window, undefined, MODES[mode].keys, [
          pids[mode],
        ]);
        samples[name] ??= [];
        samples[name].push(result);
        cpu[name] ??= { host: [], client: [] };
        cpu[name].host.push(result.cpu!.server);
        cpu[name].client.push(result.cpu!.client);
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
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log("\nCPU per request, µs (median of rounds): host process / client process");
for (const [name, { host, client }] of Object.entries(cpu)) {
  console.log(`${name.padEnd(22)} ${median(host).toFixed(1).padStart(7)} / ${median(client).toFixed(1).padStart(7)}`);
}
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
