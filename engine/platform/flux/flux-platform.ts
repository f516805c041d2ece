import { hostname } from "node:os";
import { FlotillaError } from "../../errors.js";
import type { ProcessRegistry } from "../../launch/registry.js";
import type { Allocation, AllocationObserver, AllocationRequest, Launcher, NodeResources, Platform } from "../types.js";
import { FluxCli } from "./flux-cli.js";
import { FluxLauncher } from "./flux-launcher.js";
import { FluxJobGuard } from "./job-guard.js";
import { type FluxRank, parseR } from "./resources.js";

export interface FluxPlatformOptions {
  /** The caller's environment: PATH, and FLUX_URI inside an instance. */
  env: Record<string, string | undefined>;
  cwd?: string;
  registry?: ProcessRegistry;
  graceMs?: number;
  /** This machine's name, to reach its own brokers on loopback; defaults to os.hostname(). */
  hostname?: string;
}

interface Held {
  cli: FluxCli;
  guard: FluxJobGuard;
  ranks: Map<string, number>;
  addresses: Map<string, string>;
  requestGpus: boolean;
}

/**
 * Flux. Inside an instance (FLUX_URI set) the allocation is the instance's
 * resources, one node per broker rank; every process is a Flux job placed on
 * the rank, cores and GPUs Flotilla chose. Release cancels whatever is left
 * of the jobs it submitted; the instance itself belongs to whoever started it.
 */
export class FluxPlatform implements Platform {
  readonly name = "flux";
  readonly #options: FluxPlatformOptions;
  readonly #held = new WeakMap<Allocation, Held>();

  constructor(options: FluxPlatformOptions) {
    this.#options = options;
  }

  async acquire(request: AllocationRequest, signal: AbortSignal, observe: AllocationObserver): Promise<Allocation> {
    if (signal.aborted) throw new FlotillaError("ALLOCATION_FAILED", "allocation aborted before it started");
    const uri = this.#options.env.FLUX_URI;
    if (uri === undefined || uri.trim() === "") {
      throw new FlotillaError(
        "PLATFORM_UNAVAILABLE",
        "the flux platform runs inside a Flux instance (FLUX_URI is not set): start one with `flux alloc` or `flux batch`",
      );
    }
    const cli = new FluxCli(this.#options.env, this.#options.cwd ?? process.cwd());
    const requestedAt = Date.now();
    observe({ state: "pending", nodes: [], reason: "reading the Flux instance's resources" });
    const resources = parseR(await cli.check(["resource", "R"]));
    if (signal.aborted) throw new FlotillaError("ALLOCATION_FAILED", "allocation aborted");
    const chosen = chooseRanks(resources.ranks, request);
    const real = chosen.some((r) => r.gpus.length > 0);
    const nodes = chosen.map((rank) => nodeOf(rank, request, real));
    const here = this.#options.hostname ?? hostname();
    const ranks = new Map(chosen.map((r) => [r.name, r.rank]));
    const addresses = new Map(chosen.map((r) => [r.name, r.host === here ? "127.0.0.1" : r.host]));
    const guard = new FluxJobGuard(cli.flux, this.#options.env);
    let released: Promise<void> | undefined;
    const jobId = this.#options.env.FLUX_JOB_ID;
    const deadline = resources.expiration === undefined ? undefined : resources.expiration * 1000;
    const allocation: Allocation = {
      platform: this.name,
      ...(jobId === undefined ? {} : { jobId }),
      nodes,
      ...(deadline === undefined ? {} : { deadline }),
      release() {
        // Processes are stopped first; the guard cancels any job still live.
        released ??= guard.close();
        return released;
      },
    };
    this.#held.set(allocation, { cli, guard, ranks, addresses, requestGpus: real });
    observe({
      state: "active",
      nodes: nodes.map((n) => ({ name: n.name, cores: n.cores.length, gpus: n.gpus.length })),
      ...(jobId === undefined ? {} : { job_id: jobId }),
      wait_ms: Date.now() - requestedAt,
      reason: `inside Flux instance ${uri}${real ? "" : request.gpus ? " (GPU ids planned, none in the instance)" : ""}`,
      ...(deadline === undefined ? {} : { deadline }),
    });
    return allocation;
  }

  launcher(allocation: Allocation): Launcher {
    const held = this.#held.get(allocation);
    if (!held) throw new FlotillaError("INTERNAL", "not an allocation of this Flux platform");
    return new FluxLauncher({
      cli: held.cli,
      guard: held.guard,
      ranks: held.ranks,
      addresses: held.addresses,
      requestGpus: held.requestGpus,
      env: this.#options.env,
      cwd: this.#options.cwd ?? process.cwd(),
      ...(this.#options.registry === undefined ? {} : { registry: this.#options.registry }),
      ...(this.#options.graceMs === undefined ? {} : { graceMs: this.#options.graceMs }),
    });
  }

  /** The allocation's job guard: the ids of the jobs still live and the command that cancels them. */
  guardOf(allocation: Allocation): FluxJobGuard | undefined {
    return this.#held.get(allocation)?.guard;
  }
}

function chooseRanks(ranks: FluxRank[], request: AllocationRequest): FluxRank[] {
  const usable = ranks.filter((r) => r.cores.length > 0);
  if (request.nodes > usable.length) {
    throw new FlotillaError(
      "ALLOCATION_FAILED",
      `the workload asks for ${request.nodes} nodes, but the Flux instance has ${usable.length}`,
      { context: { nodes: usable.length } },
    );
  }
  return usable.slice(0, request.nodes);
}

/**
 * The instance's own cores and GPUs; a workload may use fewer, never more.
 * An instance without GPUs gets the requested count as planned ids (as on
 * the local platform), so GPU placement can be exercised without hardware.
 */
function nodeOf(rank: FluxRank, request: AllocationRequest, realGpus: boolean): NodeResources {
  const short = (what: string, asked: number, has: number) =>
    new FlotillaError(
      "ALLOCATION_FAILED",
      `the workload asks for ${asked} ${what} per node, but the Flux instance has ${has} on ${rank.name}`,
      { context: { node: rank.name } },
    );
  if (request.cores !== undefined && request.cores > rank.cores.length) {
    throw short("cores", request.cores, rank.cores.length);
  }
  if (realGpus && request.gpus !== undefined && request.gpus > rank.gpus.length) {
    throw short("GPUs", request.gpus, rank.gpus.length);
  }
  const gpus = realGpus
    ? rank.gpus.slice(0, request.gpus ?? rank.gpus.length)
    : Array.from({ length: request.gpus ?? 0 }, (_, i) => i);
  return { name: rank.name, cores: rank.cores.slice(0, request.cores ?? rank.cores.length), gpus };
}
