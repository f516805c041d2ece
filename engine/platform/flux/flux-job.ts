import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage } from "../../errors.js";
import { defaultRegistry, ProcessRegistry } from "../../launch/registry.js";
import { type ProcessSpec, startProcess } from "../../launch/supervisor.js";
import type { ExitRecord, RunningProcess } from "../types.js";
import type { FluxCli } from "./flux-cli.js";
import type { FluxJobGuard } from "./job-guard.js";
import type { FluxSubmitter } from "./submitter.js";

export interface FluxJobOptions {
  cli: FluxCli;
  guard: FluxJobGuard;
  submitter: FluxSubmitter;
  jobspec: Record<string, unknown>;
  /** Output files, line callback, timeout; `command` is ignored (the jobspec holds it). */
  spec: ProcessSpec;
  node: string;
  graceMs: number;
  registry?: ProcessRegistry;
}

/**
 * One Flux job, supervised like a local child: submitted through the
 * allocation's submitter (one long-lived helper, not a process per task), then followed by
 * `flux job attach`, which streams the tasks' output and exits with their
 * exit code. Stopping signals the job through Flux (SIGTERM, the grace, then
 * SIGKILL and a cancel exception), because killing `attach` would leave the
 * job running.
 */
export function startFluxJob(options: FluxJobOptions): RunningProcess {
  const { cli, guard, spec } = options;
  const startedAt = performance.now();
  let attach: RunningProcess | undefined;
  let canceled = false;
  let timedOut = false;
  let settled = false;
  let stopping: Promise<ExitRecord> | undefined;
  let terminating: Promise<void> | undefined;
  const attachRegistry = new ProcessRegistry();

  const submitted = (async (): Promise<string | Error> => {
    try {
      const jobId = await options.submitter.submit(options.jobspec);
      guard.add(jobId);
      return jobId;
    } catch (error) {
      return error instanceof Error ? error : new Error(errorMessage(error));
    }
  })();

  const terminate = (graceMs: number): Promise<void> => {
    terminating ??= (async () => {
      const jobId = await submitted;
      if (jobId instanceof Error) return;
      await cli.run(["job", "kill", "--signal=SIGTERM", jobId], { timeoutMs: 15_000 }).catch(() => undefined);
      const gone = await Promise.race([exited.then(() => true), sleep(graceMs, false, { ref: false })]);
      if (gone) return;
      await cli.run(["job", "kill", "--signal=SIGKILL", jobId], { timeoutMs: 15_000 }).catch(() => undefined);
      // A job still pending (or a shell that outlives the kill) ends with the exception.
      await cli.run(["job", "raise", "--type=cancel", jobId], { timeoutMs: 15_000 }).catch(() => undefined);
    })();
    return terminating;
  };

  const timer =
    spec.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void terminate(options.graceMs);
        }, spec.timeoutMs);

  const exited: Promise<ExitRecord> = (async () => {
    const jobId = await submitted;
    if (jobId instanceof Error) {
      if (timer) clearTimeout(timer);
      const message = `flotilla: ${spec.id}: ${jobId.message}`;
      try {
        mkdirSync(dirname(spec.stderrPath), { recursive: true });
        appendFileSync(spec.stderrPath, `${message}\n`);
      } catch {
        // The record below still says why.
      }
      spec.onLine?.("stderr", message);
      settled = true;
      const durationMs = performance.now() - startedAt;
      return { exitCode: null, signal: null, timedOut, canceled, failed: true, durationMs, cause: jobId };
    }
    const { timeoutMs: _timeout, ...rest } = spec;
    attach = startProcess(
      // attach needs only the instance's URI: the job's own variables (tokens among them) stay in the job.
      { ...rest, command: [cli.flux, "job", "attach", jobId], env: defined(cli.env) },
      { node: options.node, graceMs: options.graceMs, registry: attachRegistry },
    );
    const record = await attach.exited;
    if (timer) clearTimeout(timer);
    guard.remove(jobId);
    settled = true;
    return {
      ...record,
      timedOut,
      canceled,
      failed: record.failed || timedOut || canceled,
      durationMs: performance.now() - startedAt,
    };
  })();

  const running: RunningProcess = {
    id: spec.id,
    get pid() {
      return attach?.pid;
    },
    node: options.node,
    exited,
    stop(graceMs = options.graceMs) {
      if (stopping) return stopping;
      if (settled) return exited;
      canceled = true;
      stopping = terminate(graceMs).then(() => exited);
      return stopping;
    },
  };
  (options.registry ?? defaultRegistry).add(running);
  return running;
}

function defined(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
