import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { FlotillaError } from "../../errors.js";
import { ForkLauncher } from "../../launch/fork-launcher.js";
import { MpirunLauncher } from "../../launch/mpi-launcher.js";
import type { ProcessRegistry } from "../../launch/registry.js";
import type { Launcher } from "../../launch/types.js";
import type { NodeResources } from "../../resources.js";
import type { Allocation, AllocationObserver, AllocationRequest, Platform } from "../types.js";
import {
  type CoreSource,
  detectCores,
  type GpuSource,
  gpusFromVisibleDevices,
  nvidiaSmiGpus,
  range,
} from "./detect.js";

export interface LocalPlatformOptions {
  /** The caller's environment (PATH, CUDA_VISIBLE_DEVICES); the engine never reads process.env. */
  env: Record<string, string | undefined>;
  /** Where relative commands resolve; defaults to the current directory. */
  cwd?: string;
  /** Node name; defaults to os.hostname(). */
  hostname?: string;
  /** Pin processes to their cores with taskset when the core ids are real (default true). */
  pinCores?: boolean;
  registry?: ProcessRegistry;
  graceMs?: number;
  /** /proc/self/status text; read from the system when not given (tests pass their own). */
  procStatus?: string;
}

/** What the local machine offers and where each number came from. */
export interface LocalResources {
  node: NodeResources;
  coreSource: CoreSource;
  gpuSource: GpuSource;
  /** Cores this process can really run on (for pinning decisions). */
  realCores: number[];
}

/** The machine Flotilla runs on, as a one-node allocation. The embedded default platform. */
export class LocalPlatform implements Platform {
  readonly name = "local";
  readonly #options: LocalPlatformOptions;
  readonly #realCores = new WeakMap<Allocation, number[]>();

  constructor(options: LocalPlatformOptions) {
    this.#options = options;
  }

  /**
   * Cores: the request's count (ids 0..n-1) else the affinity list. GPUs: the
   * request's count (ids 0..n-1, even without hardware, so placement can be
   * planned anywhere), else CUDA_VISIBLE_DEVICES, else nvidia-smi, else none.
   */
  async resources(request: Pick<AllocationRequest, "cores" | "gpus">, signal?: AbortSignal): Promise<LocalResources> {
    const cwd = this.#options.cwd ?? process.cwd();
    const detected = detectCores(this.#options.procStatus ?? readProcStatus());
    const cores = request.cores === undefined ? detected : { ids: range(request.cores), source: "override" as const };
    let gpus: { ids: number[]; source: GpuSource };
    const visible = gpusFromVisibleDevices(this.#options.env.CUDA_VISIBLE_DEVICES);
    if (request.gpus !== undefined) gpus = { ids: range(request.gpus), source: "override" };
    else if (visible !== undefined) gpus = { ids: visible, source: "CUDA_VISIBLE_DEVICES" };
    else {
      const smi = await nvidiaSmiGpus(this.#options.env.PATH, cwd, signal);
      gpus = smi === undefined ? { ids: [], source: "none" } : { ids: smi, source: "nvidia-smi" };
    }
    return {
      node: { name: this.#options.hostname ?? hostname(), cores: cores.ids, gpus: gpus.ids },
      coreSource: cores.source,
      gpuSource: gpus.source,
      realCores: detected.ids,
    };
  }

  async acquire(request: AllocationRequest, signal: AbortSignal, observe: AllocationObserver): Promise<Allocation> {
    if (signal.aborted) throw new FlotillaError("ALLOCATION_FAILED", "allocation aborted before it started");
    if (request.nodes !== 1) {
      throw new FlotillaError(
        "ALLOCATION_FAILED",
        `the local platform has exactly one node, but ${request.nodes} were requested (use --platform slurm, or plan --nodes)`,
        { context: { nodes: request.nodes } },
      );
    }
    const requestedAt = Date.now();
    observe({ state: "pending", nodes: [] });
    const resources = await this.resources(request, signal);
    if (signal.aborted) throw new FlotillaError("ALLOCATION_FAILED", "allocation aborted");
    const { node } = resources;
    const deadline = request.walltimeMs === undefined ? undefined : Date.now() + request.walltimeMs;
    let released: Promise<void> | undefined;
    const allocation: Allocation = {
      platform: this.name,
      nodes: [node],
      ...(deadline === undefined ? {} : { deadline }),
      release() {
        // Nothing to give back on the local machine; the engine stops processes first.
        released ??= Promise.resolve();
        return released;
      },
    };
    this.#realCores.set(allocation, resources.realCores);
    observe({
      state: "active",
      nodes: [{ name: node.name, cores: node.cores.length, gpus: node.gpus.length }],
      wait_ms: Date.now() - requestedAt,
      reason: `cores from ${resources.coreSource}, GPUs from ${resources.gpuSource}`,
      ...(deadline === undefined ? {} : { deadline }),
    });
    return allocation;
  }

  launcher(allocation: Allocation): Launcher {
    const node = allocation.nodes[0];
    if (node === undefined) throw new FlotillaError("INTERNAL", "local allocation without a node");
    const real = this.#realCores.get(allocation) ?? detectCores(this.#options.procStatus ?? readProcStatus()).ids;
    const shared = {
      ...(this.#options.registry === undefined ? {} : { registry: this.#options.registry }),
      ...(this.#options.graceMs === undefined ? {} : { graceMs: this.#options.graceMs }),
    };
    const cwd = this.#options.cwd ?? process.cwd();
    return new ForkLauncher({
      node: node.name,
      path: this.#options.env.PATH,
      cwd,
      pinCores: this.#options.pinCores ?? true,
      realCores: new Set(real),
      allocationCores: node.cores,
      // `ranks:` tasks run through mpirun (a clear error when it is missing).
      mpi: new MpirunLauncher({
        node: node.name,
        path: this.#options.env.PATH,
        cwd,
        asRoot: process.getuid?.() === 0,
        ...shared,
      }),
      ...shared,
    });
  }
}

function readProcStatus(): string | undefined {
  try {
    return readFileSync("/proc/self/status", "utf8");
  } catch {
    return undefined;
  }
}
