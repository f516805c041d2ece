import { type Command, Option } from "commander";
import { FlotillaError } from "../engine/errors.js";
import { grouped, LIMITS } from "../engine/workload/limits.js";
import { PLATFORMS, type PlatformName } from "../engine/workload/schema.js";

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
export function parseCount(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = value.trim();
  // Only the start of what was given: a flag value can be as long as the command line.
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (!/^\d+$/.test(text)) {
    throw new FlotillaError("USAGE", `${flag} expects a whole number, got ${shown}`, {
      context: { flag, value: shown },
    });
  }
  const n = Number(text);
  if (n < min)
    throw new FlotillaError("USAGE", `${flag} must be at least ${min}, got ${shown}`, {
      context: { flag, value: shown },
    });
  // The same ceilings as the workload's allocation fields (docs/reliability.md).
  if (!Number.isSafeInteger(n) || n > max) {
    throw new FlotillaError("USAGE", `${flag} may be at most ${grouped(max)}, got ${shown}`, {
      context: { flag, value: shown },
    });
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
  if (opts.cores !== undefined) out.cores = parseCount("--cores", opts.cores, 1, LIMITS.coresPerNode);
  if (opts.gpus !== undefined) out.gpus = parseCount("--gpus", opts.gpus, 0, LIMITS.gpusPerNode);
  if (opts.nodes !== undefined) out.nodes = parseCount("--nodes", opts.nodes, 1, LIMITS.nodes);
  return out;
}
