import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage, FlotillaError } from "../../errors.js";
import type { AllocationObserver } from "../types.js";
import { trackJob, untrackJob } from "./live-jobs.js";
import type { SlurmCli } from "./slurm-cli.js";
import { isLiveState, parseSqueueJson, queuePosition, type SlurmJob } from "./squeue.js";

/** How many squeue failures in a row are tolerated (slurmctld busy, restarting). */
const MAX_POLL_ERRORS = 10;
/** How long a cancelled job may take to leave squeue's live states. */
const CANCEL_WAIT_MS = 60_000;

export async function readJob(cli: SlurmCli, id: string): Promise<SlurmJob | undefined> {
  const out = await cli.check("squeue", ["--json", `--jobs=${id}`]);
  return parseSqueueJson(out).find((job) => job.id === id);
}

/**
 * Polls a submitted job until it runs. Reports pending (with Slurm's reason
 * and the queue position) whenever either changes. Throws ALLOCATION_FAILED
 * when the job ends before it runs or `signal` aborts; the caller cancels.
 */
export async function waitUntilRunning(
  cli: SlurmCli,
  id: string,
  signal: AbortSignal,
  observe: AllocationObserver,
  pollMs: number,
): Promise<SlurmJob> {
  let last = "";
  let errors = 0;
  for (;;) {
    if (signal.aborted) throw aborted(id);
    let job: SlurmJob | undefined;
    let position: number | undefined;
    try {
      job = await readJob(cli, id);
      if (job?.state === "PENDING") {
        const queue = await cli.check("squeue", ["--json", "--states=PENDING", `--partition=${job.partition}`]);
        position = queuePosition(parseSqueueJson(queue), id);
      }
      errors = 0;
    } catch (error) {
      errors += 1;
      if (errors >= MAX_POLL_ERRORS) {
        throw new FlotillaError("ALLOCATION_FAILED", `cannot follow Slurm job ${id}: ${errorMessage(error)}`, {
          cause: error,
          context: { job_id: id },
        });
      }
    }
    if (job?.state === "RUNNING") return job;
    if (job && !isLiveState(job.state)) {
      throw new FlotillaError(
        "ALLOCATION_FAILED",
        `Slurm job ${id} ended before it ran: ${job.state} (${job.reason})`,
        {
          context: { job_id: id, state: job.state, reason: job.reason },
        },
      );
    }
    if (job === undefined && errors === 0) {
      throw new FlotillaError("ALLOCATION_FAILED", `Slurm job ${id} disappeared from the queue before it ran`, {
        context: { job_id: id },
      });
    }
    if (job) {
      const key = `${job.state}|${job.reason}|${position ?? ""}`;
      if (key !== last) {
        last = key;
        observe({
          state: "pending",
          nodes: [],
          job_id: id,
          reason: job.reason === "None" ? job.state : job.reason,
          ...(position === undefined ? {} : { queue_position: position }),
        });
      }
    }
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
}

/** Submits the holder job; its id is tracked for the last-resort cancel at once. */
export async function submit(cli: SlurmCli, args: string[], parse: (out: string) => string | undefined) {
  const out = await cli.check("sbatch", args);
  const id = parse(out);
  if (id === undefined) {
    throw new FlotillaError("ALLOCATION_FAILED", `sbatch printed no job id: ${JSON.stringify(out.slice(0, 200))}`);
  }
  trackJob(id, cli.path("scancel"), cli.env);
  return id;
}

/**
 * Cancels a job and waits until squeue no longer shows it holding anything.
 * Never throws for a job that is already gone.
 */
export async function cancelJob(cli: SlurmCli, id: string, pollMs: number): Promise<void> {
  const result = await cli.run("scancel", ["--quiet", id]);
  if (result.exitCode !== 0 && !/invalid job id/i.test(result.stderr)) {
    throw new FlotillaError("ALLOCATION_FAILED", `scancel ${id} failed: ${result.stderr}`, { context: { job_id: id } });
  }
  const until = Date.now() + CANCEL_WAIT_MS;
  while (Date.now() < until) {
    const job = await readJob(cli, id).catch(() => undefined);
    if (job === undefined || !isLiveState(job.state)) break;
    await sleep(Math.min(pollMs, 250));
  }
  untrackJob(id);
}

function aborted(id: string): FlotillaError {
  return new FlotillaError("ALLOCATION_FAILED", `request for Slurm job ${id} was cancelled while it waited`, {
    context: { job_id: id },
  });
}
