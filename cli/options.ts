import { type Command, Option } from "commander";
import { FlotillaError, PLATFORMS, type PlatformName } from "../engine/index.js";

/** Flags that override the workload's `allocation` block. */
export interface AllocationOverrides {
  platform?: PlatformName;
  cores?: number;
  gpus?: number;
  nodes?: number;
}

/** The options commander collects for the flags `addAllocationOptions` adds. */
export interface AllocationOptionValues {
  platform?: string;
  cores?: string;
  gpus?: string;
  nodes?: string;
  sessionDir?: string;
  json?: boolean;
}

/** Adds the flags shared by `run` and `plan` (docs/cli.md). */
export function addAllocationOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--platform <name>", "where to run").choices([...PLATFORMS]))
    .option("--cores <n>", "cores per node (overrides detection and the workload)")
    .option("--gpus <n>", "GPUs per node (on local, creates that many GPU ids even without hardware)")
    .option("--nodes <n>", "number of nodes")
    .option("--session-dir <dir>", "where to write events.jsonl, logs and summary.json")
    .option("--json", "machine-readable output on stdout (NDJSON events for run), nothing else");
}

/**
 * Parses a flag's value as a whole number. Strict on purpose: "8x" or "1.5"
 * are mistakes, not 8 or 1.
 */
export function parseCount(flag: string, value: string, min: number): number {
  const text = value.trim();
  if (!/^\d+$/.test(text)) {
    throw new FlotillaError("USAGE", `${flag} expects a whole number, got ${JSON.stringify(value)}`, {
      context: { flag, value },
    });
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new FlotillaError("USAGE", `${flag} must be at least ${min}, got ${value}`, { context: { flag, value } });
  }
  return n;
}

function isPlatform(value: string): value is PlatformName {
  return (PLATFORMS as readonly string[]).includes(value);
}

/** The allocation flags the user gave, parsed; absent flags stay absent. */
export function allocationOverrides(opts: AllocationOptionValues): AllocationOverrides {
  const out: AllocationOverrides = {};
  if (opts.platform !== undefined) {
    if (!isPlatform(opts.platform)) {
      throw new FlotillaError("USAGE", `--platform must be one of ${PLATFORMS.join(", ")}, got ${opts.platform}`, {
        context: { flag: "--platform", value: opts.platform },
      });
    }
    out.platform = opts.platform;
  }
  if (opts.cores !== undefined) out.cores = parseCount("--cores", opts.cores, 1);
  if (opts.gpus !== undefined) out.gpus = parseCount("--gpus", opts.gpus, 0);
  if (opts.nodes !== undefined) out.nodes = parseCount("--nodes", opts.nodes, 1);
  return out;
}
