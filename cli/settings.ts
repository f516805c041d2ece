/**
 * Which value each allocation setting takes, and from where: flags >
 * workload > user config > defaults. The provenance map goes into
 * session:start's `settings`, so a --json run says where each value came from.
 */
import type { AllocationRequest, AllocationSpec, EngineSettings, PlatformName } from "../engine/index.js";
import type { UserConfig } from "./config.js";
import type { AllocationOverrides } from "./options.js";

export type Source = "flag" | "workload" | "config" | "default";

/** The allocation request, less what the run adds (job name, session dir), plus where each value came from. */
export type ResolvedSettings = Omit<AllocationRequest, "jobName" | "sessionDir"> & {
  platform: PlatformName;
  /** Every setting's value and source, for session:start. */
  settings: EngineSettings;
};

export function resolveSettings(
  allocation: AllocationSpec,
  flags: AllocationOverrides,
  config: UserConfig,
): ResolvedSettings {
  const settings: EngineSettings = {};
  function pick<T>(name: string, layers: Array<[Source, T | undefined]>, fallback?: T): T | undefined {
    for (const [source, value] of layers) {
      if (value !== undefined) {
        settings[name] = { value, source };
        return value;
      }
    }
    settings[name] = { value: fallback ?? null, source: "default" };
    return fallback;
  }
  const slurm = config.slurm ?? {};
  const platform =
    pick<PlatformName>(
      "platform",
      [
        ["flag", flags.platform],
        ["workload", allocation.platform],
        ["config", config.platform],
      ],
      "local",
    ) ?? "local";
  const nodes =
    pick(
      "nodes",
      [
        ["flag", flags.nodes],
        ["workload", allocation.nodes],
      ],
      1,
    ) ?? 1;
  const cores = pick("cores", [
    ["flag", flags.cores],
    ["workload", allocation.cores],
  ]);
  const gpus = pick("gpus", [
    ["flag", flags.gpus],
    ["workload", allocation.gpus],
  ]);
  // Absent cores/GPUs: the platform detects (local) or decides (Slurm: whole nodes, no GPUs).
  if (cores === undefined) settings.cores = { value: "detected", source: "default" };
  if (gpus === undefined) settings.gpus = { value: "detected", source: "default" };
  const walltimeMs = pick("walltime_ms", [["workload", allocation.walltime]]);
  const fromConfig = (field: "partition" | "account" | "qos" | "constraint" | "reservation") =>
    pick(field, [
      ["workload", allocation[field]],
      ["config", slurm[field]],
    ]);
  const partition = fromConfig("partition");
  const account = fromConfig("account");
  const qos = fromConfig("qos");
  const constraint = fromConfig("constraint");
  const reservation = fromConfig("reservation");
  const extraArgs =
    pick<string[]>(
      "extra_args",
      [
        ["workload", allocation.extra_args],
        ["config", slurm.extra_args],
      ],
      [],
    ) ?? [];
  return {
    platform,
    nodes,
    extraArgs,
    settings,
    ...(cores === undefined ? {} : { cores }),
    ...(gpus === undefined ? {} : { gpus }),
    ...(walltimeMs === undefined ? {} : { walltimeMs }),
    ...(partition === undefined ? {} : { partition }),
    ...(account === undefined ? {} : { account }),
    ...(qos === undefined ? {} : { qos }),
    ...(constraint === undefined ? {} : { constraint }),
    ...(reservation === undefined ? {} : { reservation }),
  };
}
