import { availableParallelism } from "node:os";
import { execa } from "execa";
import { findExecutable } from "../../launch/executable.js";

export type CoreSource = "override" | "affinity" | "os";
export type GpuSource = "override" | "CUDA_VISIBLE_DEVICES" | "nvidia-smi" | "none";

/** Parses a kernel CPU list such as "0-3,8,10-11" into ids. Undefined when malformed. */
export function parseCpuList(list: string): number[] | undefined {
  const ids: number[] = [];
  for (const part of list.trim().split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return undefined;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last - first > 65_536) return undefined;
    for (let id = first; id <= last; id++) ids.push(id);
  }
  return ids;
}

/**
 * The cores this process may run on: the affinity list from /proc/self/status
 * (it honours taskset, cgroups cpusets and batch-system binding), else
 * `availableParallelism()` ids 0..n-1.
 */
export function detectCores(procStatus: string | undefined): { ids: number[]; source: CoreSource } {
  const line = procStatus?.split("\n").find((l) => l.startsWith("Cpus_allowed_list:"));
  const ids = line === undefined ? undefined : parseCpuList(line.slice(line.indexOf(":") + 1));
  if (ids !== undefined && ids.length > 0) return { ids, source: "affinity" };
  return { ids: range(availableParallelism()), source: "os" };
}

/**
 * GPU ids from CUDA_VISIBLE_DEVICES when the caller set it to integer ids: it is
 * the caller's restriction (a batch job's binding, a user's choice), so it wins
 * over what nvidia-smi sees. Set but empty means "no GPUs". Undefined when it is
 * unset or holds UUIDs / MIG names, which cannot be expressed as ids.
 */
export function gpusFromVisibleDevices(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "") return [];
  const parts = value.split(",").map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) return undefined;
  return parts.map(Number);
}

/** GPU indices nvidia-smi reports, or undefined when it is absent or fails. */
export async function nvidiaSmiGpus(
  path: string | undefined,
  cwd: string,
  signal?: AbortSignal,
): Promise<number[] | undefined> {
  const smi = findExecutable("nvidia-smi", path, cwd);
  if (smi === undefined) return undefined;
  const result = await execa(smi, ["--query-gpu=index", "--format=csv,noheader"], {
    reject: false,
    timeout: 15_000,
    stdin: "ignore",
    ...(signal === undefined ? {} : { cancelSignal: signal }),
  });
  if (result.exitCode !== 0 || typeof result.stdout !== "string") return undefined;
  const ids = result.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return ids.every((id) => /^\d+$/.test(id)) ? ids.map(Number) : undefined;
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
