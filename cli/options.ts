import { type Command, Option } from "commander";
import { FlotillaError, LIMITS, PLATFORMS, type PlatformName } from "../engine/index.js";
import { parseCount } from "./counts.js";

export { parseCount };

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
