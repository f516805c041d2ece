/**
 * Median wall time of `BINARY ARGS...` over N runs (start-up cost of the
 * single binary; docs/build.md reports these numbers).
 *
 *   tsx build/measure-startup.ts [--runs 10] BINARY [ARGS...]
 */
import { spawnSync } from "node:child_process";

export function medianMs(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function main(argv: string[]): number {
  let runs = 10;
  if (argv[0] === "--runs") {
    runs = Number.parseInt(argv[1] ?? "", 10);
    argv = argv.slice(2);
  }
  const [binary, ...args] = argv;
  if (!binary || !(runs > 0)) {
    console.error("usage: tsx build/measure-startup.ts [--runs N] BINARY [ARGS...]");
    return 2;
  }
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const started = performance.now();
    const result = spawnSync(binary, args, { stdio: "ignore" });
    if (result.status !== 0) {
      console.error(`${binary} exited ${result.status ?? result.signal}`);
      return 1;
    }
    // The first run warms the page cache (and writes the addon cache); it is not counted.
    if (i > 0) samples.push(performance.now() - started);
  }
  console.log(
    `${[binary, ...args].join(" ")}: median ${medianMs(samples).toFixed(1)} ms over ${runs} runs ` +
      `(min ${Math.min(...samples).toFixed(1)}, max ${Math.max(...samples).toFixed(1)})`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
