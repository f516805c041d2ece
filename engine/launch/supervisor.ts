import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { errorMessage } from "../errors.js";
import type { ExitRecord, LaunchSpec, RunningProcess } from "../launch/types.js";
import { closeLog, openLog, pump, safeLineHandler } from "./output.js";
import { groupAlive, terminateGroup } from "./process-group.js";
import { defaultRegistry, type ProcessRegistry, trackGroup, untrackGroup } from "./registry.js";

/** What the supervisor needs to run one process; launchers derive it from a LaunchSpec. */
export type ProcessSpec = Omit<LaunchSpec, "placement" | "mpi">;

export interface SuperviseOptions {
  /** Node name reported as `RunningProcess.node`. */
  node?: string;
  registry?: ProcessRegistry;
  /** Grace between SIGTERM and SIGKILL on timeout and when reaping leftovers. */
  graceMs?: number;
}

export const DEFAULT_GRACE_MS = 5_000;

/** How long output may keep flowing after the group is gone before we stop reading. */
export const STREAM_DRAIN_MS = 1_000;

/**
 * Starts one real process as the leader of its own process group, with its
 * output appended to the spec's files and split into lines for `onLine`.
 *
 * `exited` settles only when the leader has exited AND its whole group is gone:
 * when the leader exits by itself, members it left behind are terminated
 * (SIGTERM, grace, SIGKILL), because a finished task must not keep holding the
 * cores and GPUs the scheduler is about to give to someone else.
 */
export function startProcess(spec: ProcessSpec, options: SuperviseOptions = {}): RunningProcess {
  const registry = options.registry ?? defaultRegistry;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const startedAt = performance.now();
  // Output lost to a write error (a full disk) makes the record incomplete, not the process failed.
  let outputError: string | undefined;
  const lost = (message: string): void => {
    outputError ??= message;
  };
  const stdoutFile = openLog(spec.stdoutPath, lost);
  let stderrFile: ReturnType<typeof openLog>;
  try {
    stderrFile = openLog(spec.stderrPath, lost);
  } catch (error) {
    stdoutFile.destroy();
    throw error;
  }
  const emit = safeLineHandler(spec.onLine);
  let timedOut = false;
  let canceled = false;
  let leaderExitedAt: number | undefined;
  let termination: Promise<boolean> | undefined;
  let settled = false;

  const [file, ...args] = spec.command;
  const subprocess =
    file === undefined
      ? undefined
      : execa(file, args, {
          detached: true,
          cleanup: false,
          reject: false,
          buffer: false,
          forceKillAfterDelay: false,
          stdin: spec.stdinPath === undefined ? "ignore" : { file: spec.stdinPath },
          stdout: "pipe",
          stderr: "pipe",
          env: spec.env,
          extendEnv: true,
          ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
        });
  const pid = subprocess?.pid;
  if (pid !== undefined) trackGroup(pid);

  const terminate = (): Promise<boolean> => {
    if (pid === undefined) return Promise.resolve(true);
    termination ??= terminateGroup(pid, graceMs);
    return termination;
  };

  const streamsDone = subprocess
    ? Promise.all([
        pump(subprocess.stdout, stdoutFile, spec.onLine && ((line) => emit("stdout", line))),
        pump(subprocess.stderr, stderrFile, spec.onLine && ((line) => emit("stderr", line))),
      ])
    : Promise.resolve();

  const timer =
    spec.timeoutMs === undefined || subprocess === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void terminate();
        }, spec.timeoutMs);

  subprocess?.once("exit", () => {
    leaderExitedAt = performance.now();
    if (timer) clearTimeout(timer);
    void (async () => {
      // Reap what the leader left behind in its group (see the doc comment).
      if (pid !== undefined && groupAlive(pid)) await terminate();
      // A process that escaped the group (setsid) may still hold our pipes; stop
      // reading after a short drain so `exited` cannot hang on it.
      const drained = await Promise.race([streamsDone.then(() => true), sleep(STREAM_DRAIN_MS, false, { ref: false })]);
      if (!drained) {
        subprocess.stdout.destroy();
        subprocess.stderr.destroy();
      }
    })();
  });

  const exited = (async (): Promise<ExitRecord> => {
    let exitCode: number | null = null;
    let signal: string | null = null;
    let cause: unknown;
    if (subprocess === undefined) {
      cause = new Error(`${spec.id}: empty command`);
    } else {
      const result = await subprocess;
      exitCode = typeof result.exitCode === "number" ? result.exitCode : null;
      signal = result.signal ?? null;
      if (exitCode === null && signal === null) cause = result.cause ?? result;
    }
    if (timer) clearTimeout(timer);
    if (pid !== undefined && (termination !== undefined || groupAlive(pid))) await terminate();
    if (pid !== undefined) untrackGroup(pid);
    if (cause !== undefined) {
      const message = `flotilla: could not start ${JSON.stringify(spec.command)}: ${errorMessage(cause)}`;
      if (!stderrFile.destroyed) stderrFile.write(`${message}\n`);
      emit("stderr", message);
    }
    await streamsDone;
    await Promise.all([closeLog(stdoutFile), closeLog(stderrFile)]);
    const durationMs = (leaderExitedAt ?? performance.now()) - startedAt;
    const failed = exitCode !== 0 || signal !== null || timedOut || canceled || cause !== undefined;
    settled = true;
    return {
      exitCode,
      signal,
      timedOut,
      canceled,
      failed,
      durationMs,
      ...(cause === undefined ? {} : { cause }),
      ...(outputError === undefined ? {} : { outputError }),
    };
  })();

  let stopping: Promise<ExitRecord> | undefined;
  const running: RunningProcess = {
    id: spec.id,
    pid,
    node: options.node ?? "localhost",
    exited,
    stop(stopGraceMs = graceMs) {
      if (stopping) return stopping;
      // Once exited has settled the group is gone; its pid may already belong to
      // someone else, so never signal it again.
      if (settled) return exited;
      if (leaderExitedAt === undefined && subprocess !== undefined && pid !== undefined) canceled = true;
      if (pid !== undefined) termination ??= terminateGroup(pid, stopGraceMs);
      stopping = termination ? termination.then(() => exited) : exited;
      return stopping;
    },
  };
  registry.add(running);
  return running;
}
