/**
 * The reaper: a tiny process per session, started detached (own session and
 * process group) by `flotilla run`, reading what the engine tells it on
 * stdin (launch/reaper-messages.ts). When the engine ends in order it says `end` and the
 * reaper exits. When the pipe closes without it, or the engine's pid goes,
 * the engine died where no exit hook runs (SIGKILL, the OOM killer): the
 * reaper stops every recorded process group (SIGTERM, a short grace,
 * SIGKILL), cancels the Slurm job the engine held (or the steps it started
 * in a job it does not own), appends the session's end to events.jsonl and
 * exits. Every wait is bounded, so the reaper never outlives its job.
 */
import { execFile } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { signalGroup, waitGroupGone } from "../launch/process-group.js";
import { parseReaperMessage, type ReaperMessage } from "../launch/reaper-messages.js";
import { recordEngineDeath } from "../session/death-record.js";
import { groupsToStop } from "./targets.js";

export interface ReaperOptions {
  sessionDir: string;
  enginePid: number;
  input: NodeJS.ReadableStream;
  /** SIGTERM → SIGKILL; short, so everything is gone within 5 s of the engine's death. */
  graceMs?: number;
  /** How often the engine's pid is checked, in case the pipe's close is missed. */
  pollMs?: number;
  log?: (line: string) => void;
}

export const REAPER_GRACE_MS = 2_000;
const SLURM_TIMEOUT_MS = 10_000;

interface Step {
  job: string;
  name: string;
  scancel: string;
  squeue: string;
}

/** Resolves with the reaper's exit code once it has done its work. */
export async function runReaper(options: ReaperOptions): Promise<number> {
  const log = options.log ?? (() => {});
  const groups = new Set<number>();
  const jobs = new Map<string, string>();
  const steps = new Map<string, Step>();
  const apply = (message: ReaperMessage): void => {
    switch (message.t) {
      case "group":
        groups.add(message.pgid);
        return;
      case "ungroup":
        groups.delete(message.pgid);
        return;
      case "job":
        jobs.set(message.id, message.scancel);
        return;
      case "unjob":
        jobs.delete(message.id);
        return;
      case "step":
        steps.set(`${message.job}/${message.name}`, message);
        return;
      case "unstep":
        steps.delete(`${message.job}/${message.name}`);
        return;
      case "end":
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unknown reaper message ${JSON.stringify(unknown)}`);
      }
    }
  };

  const verdict = await new Promise<"end" | "died">((resolve) => {
    const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      const message = parseReaperMessage(line);
      if (message === undefined) return;
      if (message.t === "end") resolve("end");
      else apply(message);
    });
    lines.on("close", () => resolve("died"));
    // Belt and braces: a pipe end leaked into some other process would hide the EOF.
    const poll = setInterval(() => {
      // Reparented: whatever the pid now names, our engine is gone.
      if (process.ppid !== options.enginePid) resolve("died");
    }, options.pollMs ?? 500);
    poll.unref();
  });
  if (verdict === "end") {
    log("the engine ended the session; nothing to do");
    return 0;
  }
  const diedAt = Date.now();
  log(`engine ${options.enginePid} died; stopping ${groups.size} groups, ${jobs.size} jobs, ${steps.size} steps`);
  const targets = groupsToStop(groups).filter((pgid) => pgid !== process.pid && pgid > 1);
  for (const pgid of targets) trySignal(pgid, "SIGTERM");
  const slurm = Promise.all([
    ...[...jobs].map(([id, scancel]) => run(scancel, ["--quiet", id], log)),
    ...(jobs.size > 0 ? [] : [cancelSteps([...steps.values()], log)]),
  ]);
  const graceMs = options.graceMs ?? REAPER_GRACE_MS;
  const termed = await Promise.all(targets.map((pgid) => waitGroupGone(pgid, graceMs)));
  const stubborn = targets.filter((_, i) => !termed[i]);
  for (const pgid of stubborn) trySignal(pgid, "SIGKILL");
  await Promise.all(stubborn.map((pgid) => waitGroupGone(pgid, 2_000)));
  await slurm;
  try {
    const end = recordEngineDeath(options.sessionDir, options.enginePid, diedAt);
    log(end === undefined ? "the session already had its end" : `appended session:end (seq ${end.seq})`);
  } catch (error) {
    log(`could not record the end: ${String(error)}`);
  }
  return 0;
}

function trySignal(pgid: number, signal: NodeJS.Signals): void {
  try {
    signalGroup(pgid, signal);
  } catch {
    // EPERM: the pgid now belongs to someone else; not ours to stop.
  }
}

function run(file: string, args: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: SLURM_TIMEOUT_MS, encoding: "utf8" }, (error, stdout) => {
      if (error) log(`${file} ${args.join(" ")}: ${error.message}`);
      resolve(stdout ?? "");
    });
  });
}

/** Inside a job that is not ours: cancel only our steps, found by name. */
async function cancelSteps(steps: Step[], log: (line: string) => void): Promise<void> {
  const byJob = new Map<string, Step[]>();
  for (const step of steps) byJob.set(step.job, [...(byJob.get(step.job) ?? []), step]);
  await Promise.all(
    [...byJob].map(async ([job, mine]) => {
      const first = mine[0] as Step;
      // srun forwards the SIGTERM above to its step; give it a moment before asking Slurm.
      await sleep(500);
      const out = await run(first.squeue, ["--steps", `--jobs=${job}`, "--noheader", "--format=%i %j"], log);
      const names = new Set(mine.map((step) => step.name));
      const ids = out
        .split("\n")
        .map((line) => line.trim().split(/\s+/))
        .filter(([id, name]) => id !== undefined && name !== undefined && names.has(name))
        .map(([id]) => id as string);
      if (ids.length > 0) await run(first.scancel, ["--quiet", ...ids], log);
    }),
  );
}
