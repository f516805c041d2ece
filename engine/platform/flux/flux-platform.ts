import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { FlotillaError } from "../../errors.js";
import type { ProcessRegistry } from "../../launch/registry.js";
import type { Allocation, AllocationObserver, AllocationRequest, Launcher, NodeResources, Platform } from "../types.js";
import { cancelBatch, startBatchInstance } from "./batch-instance.js";
import { FluxCli } from "./flux-cli.js";
import { FluxLauncher } from "./flux-launcher.js";
import { FluxJobGuard } from "./job-guard.js";
import { type FluxRank, parseR } from "./resources.js";
import { FluxSubmitter } from "./submitter.js";

export interface FluxPlatformOptions {
  /** The caller's environment: PATH, and FLUX_URI inside an instance. */
  env: Record<string, string | undefined>;
  cwd?: string;
  registry?: ProcessRegistry;
  graceMs?: number;
  /** This machine's name, to reach its own brokers on loopback; defaults to os.hostname(). */
  hostname?: string;
  /** How often the state of a holding `flux batch` job is asked while waiting (default 1 s). */
  pollMs?: number;
}

interface Held {
  cli: FluxCli;
  guard: FluxJobGuard;
  submitter: FluxSubmitter;
  ranks: Map<string, number>;
  addresses: Map<string, string>;
  requestGpus: boolean;
  /** The environment jobs are submitted with (FLUX_URI of the instance used). */
  env: Record<string, string | undefined>;
}

/**
 * Flux. Inside an instance (FLUX_URI set) the allocation is the instance's
 * resources, one node per broker rank; every process is a Flux job placed on
 * the rank, cores and GPUs Flotilla chose. Release cancels whatever is left
 * of the jobs it submitted; the instance itself belongs to whoever started it.
 * Outside any instance it first asks the system instance for one with a
 * holding `flux batch` job, uses that, and cancels it on release.
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
    const requestedAt = Date.now();
    if (uri !== undefined && uri.trim() !== "") {
      observe({ state: "pending", nodes: [], reason: "reading the Flux instance's resources" });
      return this.#adoptInstance(uri, this.#options.env, request, signal, observe, requestedAt, undefined);
    }
    // Outside any instance: a holding `flux batch` job in the system instance.
    const outerEnv = { ...this.#options.env };
    delete outerEnv.FLUX_URI;
    const outer = new FluxCli(outerEnv, this.#cwd);
    const outerGuard = new FluxJobGuard(outer.flux, outerEnv);
    const here = this.#options.hostname ?? hostname();
    const held = await startBatchInstance(outer, outerGuard, request, signal, observe, here, this.#pollMs).catch(
      async (error: unknown) => {
        await outerGuard.close();
        throw error;
      },
    );
    const releaseHolder = async () => {
      await cancelBatch(outer, outerGuard, held.jobId);
      await outerGuard.close();
    };
    try {
      const env = { ...this.#options.env, FLUX_URI: held.uri };
      return await this.#adoptInstance(held.uri, env, request, signal, observe, requestedAt, {
        jobId: held.jobId,
        release: releaseHolder,
      });
    } catch (error) {
      await releaseHolder();
      throw error;
    }
  }

  get #cwd(): string {
    return this.#options.cwd ?? process.cwd();
  }

  get #pollMs(): number {
    return this.#options.pollMs ?? 1_000;
  }

  async #adoptInstance(
    uri: string,
    env: Record<string, string | undefined>,
    request: AllocationRequest,
    signal: AbortSignal,
    observe: AllocationObserver,
    requestedAt: number,
    holder: { jobId: string; release: () => Promise<void> } | undefined,
  ): Promise<Allocation> {
    const cli = new FluxCli(env, this.#cwd);
    const resources = parseR(await readR(cli, signal));
    if (signal.aborted) throw new FlotillaError("ALLOCATION_FAILED", "allocation aborted");
    const chosen = chooseRanks(resources.ranks, request);
    const real = chosen.some((r) => r.gpus.length > 0);
    const nodes = chosen.map((rank) => nodeOf(rank, request, real));
    const here = this.#options.hostname ?? hostname();
    const ranks = new Map(chosen.map((r) => [r.name, r.rank]));
    const addresses = new Map(chosen.map((r) => [r.name, r.host === here ? "127.0.0.1" : r.host]));
    const guard = new FluxJobGuard(cli.flux, env);
    const submitter = new FluxSubmitter(cli);
    let released: Promise<void> | undefined;
    const jobId = holder?.jobId ?? env.FLUX_JOB_ID;
    const deadline = resources.expiration === undefined ? undefined : resources.expiration * 1000;
    const allocation: Allocation = {
      platform: this.name,
      ...(jobId === undefined ? {} : { jobId }),
      nodes,
      ...(deadline === undefined ? {} : { deadline }),
      release() {
        // Processes are stopped first; the guard cancels any job still live, then
        // a holding job of our own goes (and its instance with it).
        submitter.close();
        released ??= guard.close().then(() => holder?.release());
        return released;
      },
    };
    this.#held.set(allocation, { cli, guard, submitter, ranks, addresses, requestGpus: real, env });
    const planned = !real && request.gpus ? " (GPU ids planned: the instance has no GPUs)" : "";
    observe({
      state: "active",
      nodes: nodes.map((n) => ({ name: n.name, cores: n.cores.length, gpus: n.gpus.length })),
      ...(jobId === undefined ? {} : { job_id: jobId }),
      wait_ms: Date.now() - requestedAt,
      reason: `${holder === undefined ? "inside" : "in"} Flux instance ${uri}${planned}`,
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
      submitter: held.submitter,
      ranks: held.ranks,
      addresses: held.addresses,
      requestGpus: held.requestGpus,
      env: held.env,
      cwd: this.#cwd,
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

/** `flux resource R`, retried briefly: a sub-instance that just came up may not answer at once. */
async function readR(cli: FluxCli, signal: AbortSignal): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cli.check(["resource", "R"]);
    } catch (error) {
      if (attempt >= 5 || signal.aborted) throw error;
      await sleep(500 * attempt);
    }
  }
}
