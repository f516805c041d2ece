import { join } from "node:path";
import { FlotillaError } from "../../errors.js";
import type { ProcessRegistry } from "../../launch/registry.js";
import type { Launcher } from "../../launch/types.js";
import type { NodeResources } from "../../resources.js";
import { FluxCli } from "../flux/flux-cli.js";
import { FluxLauncher } from "../flux/flux-launcher.js";
import { FluxJobGuard } from "../flux/job-guard.js";
import { FluxSubmitter } from "../flux/submitter.js";
import type { Allocation, AllocationObserver, AllocationRequest, Platform } from "../types.js";
import { holderJobArgs, parseSbatchId } from "./commands.js";
import { type FluxInJob, startFluxInJob } from "./flux-instance.js";
import { cancelJob, readJob, submit, waitUntilRunning } from "./holder-job.js";
import { type SurroundingJob, surroundingJob } from "./job-env.js";
import { nodeAddresses } from "./nodes.js";
import { SlurmCli } from "./slurm-cli.js";
import type { SlurmJob } from "./squeue.js";
import { SrunLauncher } from "./srun-launcher.js";

export interface SlurmPlatformOptions {
  /** The caller's environment: PATH, SLURM_CONF, and SLURM_JOB_* inside a job. */
  env: Record<string, string | undefined>;
  cwd?: string;
  registry?: ProcessRegistry;
  graceMs?: number;
  /** How often squeue is asked while waiting (default 1 s). */
  pollMs?: number;
  /** srun --mpi plugin for MPI tasks; default: the cluster's MpiDefault. */
  mpi?: string;
  /** `flux`: start a Flux instance across the job and launch everything as its jobs. */
  launcher?: "srun" | "flux";
}

interface Held {
  jobId: string;
  addresses: Map<string, string>;
  /** False inside a batch job: the job belongs to its script. */
  owned: boolean;
  flux?: {
    instance: FluxInJob;
    env: Record<string, string | undefined>;
    guard: FluxJobGuard;
    submitter: FluxSubmitter;
  };
}

/**
 * Slurm. On a login node it submits a holder job for the allocation, waits
 * for it (reporting pending with Slurm's reason and queue position), and
 * cancels it on release. Inside a job (SLURM_JOB_ID set) it uses that job
 * and never cancels it. Either way processes start as job steps (srun).
 */
export class SlurmPlatform implements Platform {
  readonly name = "slurm";
  readonly #options: SlurmPlatformOptions;
  readonly #cli: SlurmCli;
  readonly #held = new WeakMap<Allocation, Held>();

  constructor(options: SlurmPlatformOptions) {
    this.#options = options;
    this.#cli = new SlurmCli(options.env, options.cwd ?? process.cwd());
  }

  get #pollMs(): number {
    return this.#options.pollMs ?? 1_000;
  }

  async acquire(request: AllocationRequest, signal: AbortSignal, observe: AllocationObserver): Promise<Allocation> {
    this.#cli.path("srun");
    this.#cli.path("squeue");
    const inside = surroundingJob(this.#options.env);
    if (this.#options.launcher !== "flux") {
      return inside ? this.#fromSurroundingJob(inside, request, observe) : this.#requestJob(request, signal, observe);
    }
    // The allocation is active only once its Flux instance is: hold the event back until then.
    let active: Parameters<AllocationObserver>[0] | undefined;
    const held: AllocationObserver = (state) => {
      if (state.state === "active") active = state;
      else observe(state);
    };
    const allocation = inside
      ? await this.#fromSurroundingJob(inside, request, held)
      : await this.#requestJob(request, signal, held);
    try {
      await this.#startFlux(allocation, request, signal);
    } catch (error) {
      await allocation.release();
      throw error;
    }
    const uri = this.#held.get(allocation)?.flux?.instance.uri ?? "";
    observe({
      ...(active ?? activeEvent(allocation, allocation.jobId ?? "", 0)),
      nodes: allocation.nodes.map((n) => ({ name: n.name, cores: n.cores.length, gpus: n.gpus.length })),
      reason: `${active?.reason ?? `Slurm job ${allocation.jobId ?? ""}`}; launching through Flux instance ${uri}`,
    });
    return allocation;
  }

  /**
   * Starts the Flux instance across the allocation, narrows each node to the
   * cores Flux sees there (Flux cannot run what it does not know of), and
   * makes release stop the instance before the job is given back.
   */
  async #startFlux(allocation: Allocation, request: AllocationRequest, signal: AbortSignal): Promise<void> {
    const held = this.#held.get(allocation);
    if (!held) throw new FlotillaError("INTERNAL", "not an allocation of this Slurm platform");
    const instance = await startFluxInJob({
      srun: this.#cli.path("srun"),
      jobId: held.jobId,
      nodes: allocation.nodes.map((n) => n.name),
      dir: request.sessionDir,
      env: this.#options.env,
      cwd: this.#options.cwd ?? process.cwd(),
      graceMs: this.#options.graceMs ?? 5_000,
      signal,
    });
    const env = { ...this.#options.env, FLUX_URI: instance.uri };
    const cli = new FluxCli(env, this.#options.cwd ?? process.cwd());
    const guard = new FluxJobGuard(cli.flux, env);
    const submitter = new FluxSubmitter(cli);
    for (const node of allocation.nodes) {
      const rank = instance.resources.ranks.find((r) => r.rank === instance.ranks.get(node.name));
      if (rank !== undefined && rank.cores.length < node.cores.length)
        node.cores = node.cores.slice(0, rank.cores.length);
    }
    held.flux = { instance, env, guard, submitter };
    const release = allocation.release.bind(allocation);
    let released: Promise<void> | undefined;
    allocation.release = () => {
      submitter.close();
      released ??= guard
        .close()
        .then(() => instance.stop())
        .then(release);
      return released;
    };
  }

  async #requestJob(request: AllocationRequest, signal: AbortSignal, observe: AllocationObserver): Promise<Allocation> {
    if (signal.aborted) throw new FlotillaError("ALLOCATION_FAILED", "allocation aborted before it started");
    const requestedAt = Date.now();
    const output = join(request.sessionDir, "slurm-%j.out");
    const jobId = await submit(this.#cli, holderJobArgs(request, output), parseSbatchId);
    observe({ state: "pending", nodes: [], job_id: jobId, reason: "submitted" });
    let job: SlurmJob;
    let addresses: Map<string, string>;
    try {
      job = await waitUntilRunning(this.#cli, jobId, signal, observe, this.#pollMs);
      addresses = await nodeAddresses(this.#cli, job.nodes);
    } catch (error) {
      await cancelJob(this.#cli, jobId, this.#pollMs).catch(() => undefined);
      throw error;
    }
    let released: Promise<void> | undefined;
    const allocation = this.#allocation(job, request, () => {
      released ??= cancelJob(this.#cli, jobId, this.#pollMs);
      return released;
    });
    this.#held.set(allocation, { jobId, addresses, owned: true });
    observe(activeEvent(allocation, jobId, Date.now() - requestedAt));
    return allocation;
  }

  async #fromSurroundingJob(inside: SurroundingJob, request: AllocationRequest, observe: AllocationObserver) {
    if (request.nodes > inside.nodes.length) {
      throw new FlotillaError(
        "ALLOCATION_FAILED",
        `the workload asks for ${request.nodes} nodes, but Slurm job ${inside.id} has ${inside.nodes.length}`,
        { context: { job_id: inside.id, nodes: inside.nodes.length } },
      );
    }
    // squeue knows the GPU ids on every node and the end time; the variables
    // only know this node. Use them when squeue cannot answer.
    const job = await readJob(this.#cli, inside.id).catch(() => undefined);
    const localGpus = inside.localGpus ?? range(inside.gpusPerNode ?? 0);
    const described: SlurmJob = job ?? {
      id: inside.id,
      name: "",
      state: "RUNNING",
      reason: "None",
      partition: "",
      nodes: inside.nodes,
      priority: 0,
      submitTime: undefined,
      endTime: undefined,
      gpusByNode: new Map(inside.nodes.map((n) => [n, localGpus])),
      coresByNode: new Map(),
    };
    // The job's own resources; a workload may use less of them, never more.
    const nodes = inside.nodes.map((name, i): NodeResources => {
      const cpus = inside.cpus[i] ?? 1;
      const gpus = described.gpusByNode.get(name) ?? localGpus;
      const short = (what: string, asked: number, has: number) =>
        new FlotillaError(
          "ALLOCATION_FAILED",
          `the workload asks for ${asked} ${what} per node, but Slurm job ${inside.id} has ${has} on ${name}`,
          { context: { job_id: inside.id, node: name } },
        );
      if (request.cores !== undefined && request.cores > cpus) throw short("cores", request.cores, cpus);
      if (request.gpus !== undefined && request.gpus > gpus.length) throw short("GPUs", request.gpus, gpus.length);
      return {
        name,
        cores: range(request.cores ?? cpus),
        gpus: request.gpus === undefined ? gpus : gpus.slice(0, request.gpus),
      };
    });
    const addresses = await nodeAddresses(this.#cli, inside.nodes).catch(() => new Map<string, string>());
    const allocation: Allocation = {
      platform: this.name,
      jobId: inside.id,
      nodes,
      ...(described.endTime === undefined ? {} : { deadline: described.endTime * 1000 }),
      // The job belongs to the batch script: Flotilla stops its steps, never the job.
      release: () => Promise.resolve(),
    };
    this.#held.set(allocation, { jobId: inside.id, addresses, owned: false });
    observe({ ...activeEvent(allocation, inside.id, 0), reason: `inside Slurm job ${inside.id}` });
    return allocation;
  }

  #allocation(job: SlurmJob, request: AllocationRequest, release: () => Promise<void>): Allocation {
    const nodes: NodeResources[] = job.nodes.map((name) => {
      const cores = request.cores ?? job.coresByNode.get(name) ?? 1;
      const gpus = job.gpusByNode.get(name) ?? range(request.gpus ?? 0);
      return { name, cores: range(cores), gpus };
    });
    return {
      platform: this.name,
      jobId: job.id,
      nodes,
      ...(job.endTime === undefined ? {} : { deadline: job.endTime * 1000 }),
      release,
    };
  }

  /** How the reaper cancels single steps of a job that is not ours; nothing when scancel is missing. */
  #foreignJob(): { foreignJob?: { scancel: string; squeue: string } } {
    try {
      return { foreignJob: { scancel: this.#cli.path("scancel"), squeue: this.#cli.path("squeue") } };
    } catch {
      return {};
    }
  }

  launcher(allocation: Allocation): Launcher {
    const held = this.#held.get(allocation);
    if (!held) throw new FlotillaError("INTERNAL", "not an allocation of this Slurm platform");
    if (held.flux) {
      const { instance, env, guard, submitter } = held.flux;
      return new FluxLauncher({
        cli: new FluxCli(env, this.#options.cwd ?? process.cwd()),
        guard,
        submitter,
        ranks: instance.ranks,
        addresses: held.addresses,
        requestGpus: instance.resources.ranks.some((r) => r.gpus.length > 0),
        env,
        cwd: this.#options.cwd ?? process.cwd(),
        ...(this.#options.registry === undefined ? {} : { registry: this.#options.registry }),
        ...(this.#options.graceMs === undefined ? {} : { graceMs: this.#options.graceMs }),
      });
    }
    return new SrunLauncher({
      jobId: held.jobId,
      srun: this.#cli.path("srun"),
      env: this.#options.env,
      addresses: held.addresses,
      ...(held.owned ? {} : this.#foreignJob()),
      ...(this.#options.mpi === undefined ? {} : { mpi: this.#options.mpi }),
      ...(this.#options.registry === undefined ? {} : { registry: this.#options.registry }),
      ...(this.#options.graceMs === undefined ? {} : { graceMs: this.#options.graceMs }),
    });
  }
}

function activeEvent(allocation: Allocation, jobId: string, waitMs: number) {
  return {
    state: "active" as const,
    nodes: allocation.nodes.map((n) => ({ name: n.name, cores: n.cores.length, gpus: n.gpus.length })),
    job_id: jobId,
    wait_ms: waitMs,
    ...(allocation.deadline === undefined ? {} : { deadline: allocation.deadline }),
  };
}

function range(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => i);
}
