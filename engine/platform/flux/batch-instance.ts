/**
 * From outside a Flux instance (a login node of a Flux system): ask the
 * system instance for an allocation with `flux batch`, whose batch script only
 * sleeps and so holds a Flux sub-instance on the nodes, like the Slurm
 * platform's holder job; wait for it, and hand back the sub-instance's URI.
 * `flux batch` (rather than `flux alloc --bg`) gives the job id at once, so the
 * wait can be reported and cancelled.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FlotillaError } from "../../errors.js";
import { walltimeMinutes } from "../slurm/commands.js";
import { expandNodeList } from "../slurm/nodelist.js";
import type { AllocationObserver, AllocationRequest } from "../types.js";
import type { FluxCli } from "./flux-cli.js";
import type { FluxJobGuard } from "./job-guard.js";

/** How long a cancelled batch job may take to be cleaned up. */
const CANCEL_WAIT_S = 60;

/** `flux batch` arguments for the holding job (pure). No cores asked for means whole nodes. */
export function batchArgs(request: AllocationRequest, outputPath: string): string[] {
  const args = ["batch", `--job-name=${request.jobName}`, `--nodes=${request.nodes}`];
  if (request.cores === undefined) args.push("--exclusive");
  else args.push(`--nslots=${request.nodes}`, `--cores-per-slot=${request.cores}`);
  if (request.gpus !== undefined && request.gpus > 0) args.push(`--gpus-per-slot=${request.gpus}`);
  if (request.walltimeMs !== undefined) args.push(`--time-limit=${walltimeMinutes(request.walltimeMs)}m`);
  if (request.partition !== undefined) args.push(`--queue=${request.partition}`);
  if (request.account !== undefined) args.push(`--bank=${request.account}`);
  args.push(`--output=${outputPath}`, ...request.extraArgs, "--wrap", "sleep", "inf");
  return args;
}

/**
 * Submits the holding job and waits until its instance answers. Returns the
 * job id and the instance's URI; on failure or abort it cancels the job.
 */
export async function startBatchInstance(
  outer: FluxCli,
  guard: FluxJobGuard,
  request: AllocationRequest,
  signal: AbortSignal,
  observe: AllocationObserver,
  here: string,
  pollMs: number,
): Promise<{ jobId: string; uri: string }> {
  const out = await outer.check(batchArgs(request, join(request.sessionDir, "flux-{{id}}.out")));
  const jobId = out.trim().split("\n").at(-1)?.trim() ?? "";
  if (jobId === "") throw new FlotillaError("ALLOCATION_FAILED", "flux batch printed no job id");
  guard.add(jobId);
  observe({ state: "pending", nodes: [], job_id: jobId, reason: "submitted" });
  try {
    let last = "";
    for (;;) {
      if (signal.aborted) {
        throw new FlotillaError("ALLOCATION_FAILED", `request for Flux job ${jobId} was cancelled while it waited`, {
          context: { job_id: jobId },
        });
      }
      const [state = "", nodelist = ""] = (await outer.check(["jobs", "-no", "{state} {nodelist}", jobId]))
        .trim()
        .split(/\s+/);
      if (state === "RUN") {
        // A local URI when the instance's first broker runs on this host; Flux's ssh URI otherwise.
        const first = expandNodeList(nodelist)[0] ?? "";
        const args = ["uri", "--wait", ...(first === here ? ["--local"] : []), jobId];
        const uri = (await outer.check(args, { timeoutMs: 120_000 })).trim();
        return { jobId, uri };
      }
      if (state === "INACTIVE" || state === "CLEANUP") {
        throw new FlotillaError("ALLOCATION_FAILED", `Flux job ${jobId} ended before it ran`, {
          context: { job_id: jobId },
        });
      }
      if (state !== last) {
        last = state;
        observe({ state: "pending", nodes: [], job_id: jobId, reason: state });
      }
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
  } catch (error) {
    await cancelBatch(outer, guard, jobId);
    throw error;
  }
}

/** Cancels the holding job and waits (bounded) until Flux has cleaned it up. Never throws. */
export async function cancelBatch(outer: FluxCli, guard: FluxJobGuard, jobId: string): Promise<void> {
  await outer.run(["job", "raise", "--type=cancel", jobId]).catch(() => undefined);
  await outer
    .run(["job", "wait-event", "-t", String(CANCEL_WAIT_S), jobId, "clean"], { timeoutMs: (CANCEL_WAIT_S + 5) * 1000 })
    .catch(() => undefined);
  guard.remove(jobId);
}
