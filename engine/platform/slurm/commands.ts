/** Command lines for Slurm's tools, built from Flotilla's requests (pure). */
import type { Slot } from "../../resources.js";
import type { AllocationRequest } from "../types.js";

/** Slurm's --time takes minutes; round up so a 90 s walltime is not cut to 1 minute. */
export function walltimeMinutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

/**
 * `sbatch` arguments for the holder job: a batch job that only sleeps and
 * holds the allocation while Flotilla launches job steps into it. A holder
 * job (rather than `salloc`) gives the job id at once, so the pending state
 * can be watched and cancelled. No cores asked for means whole nodes.
 */
export function holderJobArgs(request: AllocationRequest, outputPath: string): string[] {
  const args = ["--parsable", `--job-name=${request.jobName}`, `--nodes=${request.nodes}`, "--ntasks-per-node=1"];
  if (request.cores === undefined) args.push("--exclusive");
  else args.push(`--cpus-per-task=${request.cores}`);
  if (request.gpus !== undefined && request.gpus > 0) args.push(`--gres=gpu:${request.gpus}`);
  if (request.walltimeMs !== undefined) args.push(`--time=${walltimeMinutes(request.walltimeMs)}`);
  if (request.partition !== undefined) args.push(`--partition=${request.partition}`);
  if (request.account !== undefined) args.push(`--account=${request.account}`);
  if (request.qos !== undefined) args.push(`--qos=${request.qos}`);
  if (request.constraint !== undefined) args.push(`--constraint=${request.constraint}`);
  if (request.reservation !== undefined) args.push(`--reservation=${request.reservation}`);
  args.push(`--output=${outputPath}`, ...request.extraArgs, "--wrap=exec sleep infinity");
  return args;
}

/** The job id from `sbatch --parsable` ("123" or "123;cluster"). */
export function parseSbatchId(stdout: string): string | undefined {
  const id = stdout.trim().split("\n").at(-1)?.split(";")[0]?.trim();
  return id !== undefined && /^\d+(_\d+)?$/.test(id) ? id : undefined;
}

/**
 * `srun` arguments for one process on one node, as a step of job `jobId`.
 * `--exact` makes the step take only the cores it asks for, so steps run side
 * by side. GPUs: the step asks Slurm for as many as the scheduler gave it
 * (device access and Slurm's own bookkeeping); work without GPUs says
 * `--gres=none`, because a step that names no GRES is given all of the job's
 * GPUs on the node and would block every other step.
 */
export function stepArgs(jobId: string, slot: Slot, name: string): string[] {
  return [
    `--jobid=${jobId}`,
    `--job-name=${name}`,
    `--nodelist=${slot.node}`,
    "--nodes=1",
    "--ntasks=1",
    ...resourceArgs(slot),
    "--kill-on-bad-exit=1",
    "--quiet",
  ];
}

/**
 * `srun` arguments for an MPI job of `slots.length` ranks: one step across
 * the ranks' nodes, one rank per slot, laid out with `--distribution=arbitrary`
 * from the host file given in SLURM_HOSTFILE (one line per rank). Without
 * `mpi` the cluster's MpiDefault plugin is used.
 */
export function mpiStepArgs(jobId: string, slots: readonly Slot[], name: string, mpi?: string): string[] {
  const nodes = [...new Set(slots.map((s) => s.node))];
  const first = slots[0] ?? { node: "", cores: [], gpus: [] };
  const gpus = first.gpus.length;
  return [
    `--jobid=${jobId}`,
    `--job-name=${name}`,
    `--nodelist=${nodes.join(",")}`,
    `--nodes=${nodes.length}`,
    `--ntasks=${slots.length}`,
    "--distribution=arbitrary",
    "--exact",
    first.cores.length === 0 ? "--overlap" : `--cpus-per-task=${first.cores.length}`,
    gpus > 0 ? `--gpus-per-task=${gpus}` : "--gres=none",
    ...(mpi === undefined ? [] : [`--mpi=${mpi}`]),
    "--kill-on-bad-exit=1",
    "--quiet",
  ];
}

/** One line per rank: the node it runs on. */
export function hostFile(slots: readonly Slot[]): string {
  return `${slots.map((s) => s.node).join("\n")}\n`;
}

function resourceArgs(slot: Slot): string[] {
  const cores = slot.cores.length === 0 ? ["--overlap", "--cpus-per-task=1"] : [`--cpus-per-task=${slot.cores.length}`];
  const gpus = slot.gpus.length > 0 ? [`--gres=gpu:${slot.gpus.length}`] : ["--gres=none"];
  return ["--exact", ...cores, ...gpus];
}
