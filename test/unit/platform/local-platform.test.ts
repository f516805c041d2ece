import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../../engine/errors.js";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { createPlatform } from "../../../engine/platform/index.js";
import { detectCores, gpusFromVisibleDevices, parseCpuList } from "../../../engine/platform/local/detect.js";
import { LocalPlatform } from "../../../engine/platform/local/local-platform.js";
import type { AllocationRequest } from "../../../engine/platform/types.js";
import { tempDir } from "../../helpers/tmp.js";

const STATUS = "Name:\tnode\nCpus_allowed:\tf0f\nCpus_allowed_list:\t0-3,8-11\nMems_allowed_list:\t0\n";

function request(extra: Partial<AllocationRequest> = {}): AllocationRequest {
  return { nodes: 1, extraArgs: [], jobName: "flotilla-test", sessionDir: "/tmp/none", ...extra };
}

/** An environment whose PATH has only a fake nvidia-smi printing `output` (or none at all). */
function envWithSmi(output: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const bin = tempDir();
  if (output !== undefined) {
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "nvidia-smi"), `#!/bin/sh\nprintf '${output}'\n`);
    chmodSync(join(bin, "nvidia-smi"), 0o755);
  }
  return { PATH: bin, ...extra };
}

describe("core and GPU detection", () => {
  it("parses kernel CPU lists", () => {
    expect(parseCpuList("0-3,8,10-11")).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList("5")).toEqual([5]);
    expect(parseCpuList("3-1")).toBeUndefined();
    expect(parseCpuList("a-b")).toBeUndefined();
  });

  it("uses the affinity list, else the OS count", () => {
    expect(detectCores(STATUS)).toEqual({ ids: [0, 1, 2, 3, 8, 9, 10, 11], source: "affinity" });
    const fallback = detectCores(undefined);
    expect(fallback.source).toBe("os");
    expect(fallback.ids.length).toBeGreaterThan(0);
  });

  it("reads integer CUDA_VISIBLE_DEVICES; empty means none; UUIDs are not ids", () => {
    expect(gpusFromVisibleDevices("2,3")).toEqual([2, 3]);
    expect(gpusFromVisibleDevices("")).toEqual([]);
    expect(gpusFromVisibleDevices(undefined)).toBeUndefined();
    expect(gpusFromVisibleDevices("GPU-8f3a,GPU-1b2c")).toBeUndefined();
  });
});

describe("LocalPlatform", () => {
  it("acquires one node named by the host, pending then active, with a deadline", async () => {
    const platform = new LocalPlatform({ env: envWithSmi(undefined), hostname: "laptop", procStatus: STATUS });
    const seen: unknown[] = [];
    const before = Date.now();
    const allocation = await platform.acquire(request({ walltimeMs: 60_000 }), new AbortController().signal, (s) =>
      seen.push(s),
    );
    expect(allocation.platform).toBe("local");
    expect(allocation.nodes).toEqual([{ name: "laptop", cores: [0, 1, 2, 3, 8, 9, 10, 11], gpus: [] }]);
    expect(allocation.deadline).toBeGreaterThanOrEqual(before + 60_000);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ state: "pending" });
    expect(seen[1]).toMatchObject({ state: "active", nodes: [{ name: "laptop", cores: 8, gpus: 0 }] });
    await allocation.release();
    await allocation.release();
  });

  it("creates the requested GPU and core ids even without hardware", async () => {
    const platform = new LocalPlatform({ env: envWithSmi(undefined), procStatus: STATUS });
    const allocation = await platform.acquire(request({ cores: 16, gpus: 4 }), new AbortController().signal, () => {});
    expect(allocation.nodes[0]?.cores).toEqual([...Array(16).keys()]);
    expect(allocation.nodes[0]?.gpus).toEqual([0, 1, 2, 3]);
    expect(allocation.deadline).toBeUndefined();
  });

  it("finds GPUs with nvidia-smi", async () => {
    const platform = new LocalPlatform({ env: envWithSmi("0\\n1\\n2\\n"), procStatus: STATUS });
    const resources = await platform.resources({});
    expect(resources.node.gpus).toEqual([0, 1, 2]);
    expect(resources.gpuSource).toBe("nvidia-smi");
  });

  it("lets the caller's CUDA_VISIBLE_DEVICES restrict what nvidia-smi sees", async () => {
    const env = envWithSmi("0\\n1\\n2\\n3\\n", { CUDA_VISIBLE_DEVICES: "1,3" });
    const resources = await new LocalPlatform({ env, procStatus: STATUS }).resources({});
    expect(resources.node.gpus).toEqual([1, 3]);
    expect(resources.gpuSource).toBe("CUDA_VISIBLE_DEVICES");
  });

  it("has no GPUs when nvidia-smi is absent or fails", async () => {
    expect((await new LocalPlatform({ env: envWithSmi(undefined) }).resources({})).gpuSource).toBe("none");
    const failing = tempDir();
    writeFileSync(join(failing, "nvidia-smi"), "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n");
    chmodSync(join(failing, "nvidia-smi"), 0o755);
    expect((await new LocalPlatform({ env: { PATH: failing } }).resources({})).node.gpus).toEqual([]);
  });

  it("refuses more than one node and aborted requests, naming the cause", async () => {
    const platform = new LocalPlatform({ env: envWithSmi(undefined) });
    const error = await platform.acquire(request({ nodes: 3 }), new AbortController().signal, () => {}).catch((e) => e);
    expect(isFlotillaError(error) && error.code).toBe("ALLOCATION_FAILED");
    expect(String(error.message)).toMatch(/exactly one node, but 3/);
    const aborted = AbortSignal.abort();
    await expect(platform.acquire(request(), aborted, () => {})).rejects.toThrow(/aborted/);
  });

  it("launches through a fork launcher that pins to real cores only", async () => {
    const platform = new LocalPlatform({ env: { PATH: process.env.PATH }, registry: new ProcessRegistry() });
    const real = await platform.acquire(request(), new AbortController().signal, () => {});
    const launcher = platform.launcher(real);
    expect(launcher.hostOf(real.nodes[0]?.name ?? "")).toBe("127.0.0.1");
    expect((launcher as { pinsCores?: boolean }).pinsCores).toBe(true);
    const inflated = await platform.acquire(request({ cores: 4096 }), new AbortController().signal, () => {});
    expect((platform.launcher(inflated) as { pinsCores?: boolean }).pinsCores).toBe(false);
  });
});

describe("createPlatform", () => {
  it("makes local and slurm, and picks slurm for auto only inside a Slurm job", () => {
    expect(createPlatform("local", { env: {} }).name).toBe("local");
    expect(createPlatform("slurm", { env: {} }).name).toBe("slurm");
    expect(createPlatform("auto", { env: {} }).name).toBe("local");
    expect(createPlatform("auto", { env: { SLURM_JOB_ID: "42" } }).name).toBe("slurm");
  });

  it("makes flux, and picks it for auto inside a Flux instance", () => {
    expect(createPlatform("flux", { env: {} }).name).toBe("flux");
    expect(createPlatform("auto", { env: { FLUX_URI: "local:///run/flux/local" } }).name).toBe("flux");
  });
});
