/**
 * The contracts of a process Flotilla starts: what a launcher is given, what
 * it hands back, and the one record of how the process ended. Platforms
 * provide launchers; everything above uses these shapes.
 */
import type { RequestProgress } from "../events.js";
import type { Placement } from "../resources.js";

/** One result shape for every way a process can end (after execa). */
export interface ExitRecord {
  exitCode: number | null;
  signal: string | null;
  /** Killed because it exceeded its timeout. */
  timedOut: boolean;
  /** Stopped by Flotilla (teardown or cancellation), not by itself. */
  canceled: boolean;
  /** Non-zero exit, signal, spawn error, timeout or cancellation. */
  failed: boolean;
  durationMs: number;
  /** Spawn error, if it never started. */
  cause?: unknown;
  /** Some of its output could not be written to its log files (a full disk): why, in words. */
  outputError?: string;
  /** An inference task's requests, how far they got (task:state `requests`). */
  requests?: RequestProgress;
}

export interface LaunchSpec {
  /** Stable id for logs and errors: "web.0", "hello.3". */
  id: string;
  placement: Placement;
  command: string[];
  /** Added to the inherited environment. GPU pinning variables are set by the launcher. */
  env: Record<string, string>;
  cwd?: string;
  /** A file given to the process as its stdin; absent: no stdin. */
  stdinPath?: string;
  /** Files that receive the process's output (appended). */
  stdoutPath: string;
  stderrPath: string;
  /** Called for each complete output line (readiness `log` probes, stderr tails). */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** Kill after this long (ExitRecord.timedOut). */
  timeoutMs?: number;
  /** Launch `placement.slots.length` ranks as one MPI job (mpirun / srun). */
  mpi?: boolean;
}

export interface RunningProcess {
  readonly id: string;
  readonly pid: number | undefined;
  /** Host the process runs on, as the platform names it. */
  readonly node: string;
  /** Settles when the process has ended, however it ended. Never rejects. */
  readonly exited: Promise<ExitRecord>;
  /** SIGTERM the whole process group, wait `graceMs`, then SIGKILL. Resolves on exit. */
  stop(graceMs?: number): Promise<ExitRecord>;
}

export interface Launcher {
  start(spec: LaunchSpec): RunningProcess;
  /** The hostname or address other processes use to reach something on `node`. */
  hostOf(node: string): string;
}
