/**
 * The backend process a service host fronts (vLLM, llama.cpp server, …).
 * It runs in its own process group under a tiny sh wrapper that also
 * watches a pipe from the host: if the host dies in any way, even SIGKILL,
 * the pipe closes and the wrapper takes the whole group down. No orphans.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { FlotillaError } from "../../errors.js";
import { LineSplitter } from "../../launch/lines.js";
import { signalGroup, terminateGroup } from "../../launch/process-group.js";
import { OutputLines, type Stream } from "../../service/lines.js";
import { channelStdio, groupWrapper, STDIO_WRAPPER, type StdioChannel } from "./stdio-wrapper.js";

/** fd 3 is the watch pipe (the host's stdin pipe to us); stdio-wrapper.ts writes the script. */
const WRAPPER = groupWrapper({ stdio: false });

export interface BackendExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface BackendProcessOptions {
  command: string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Every output line of the backend, e.g. to forward it to the host's stderr. */
  onLine?: (stream: Stream, line: string) => void;
  /** backend: stdio: its stdin and stdout carry requests and replies (`channel`), not lines. */
  stdio?: boolean;
}

export class BackendProcess {
  readonly lines = new OutputLines();
  /** Process group id (the wrapper's pid). */
  readonly pgid: number;
  readonly exited: Promise<BackendExit>;
  private readonly child: ChildProcess;
  private exit: BackendExit | undefined;

  constructor(options: BackendProcessOptions) {
    const [program] = options.command;
    if (program === undefined) throw new FlotillaError("USAGE", "the backend command is empty");
    const wrapper = options.stdio ? STDIO_WRAPPER : WRAPPER;
    this.child = spawn("/bin/sh", ["-c", wrapper, "flotilla-backend", ...options.command], {
      detached: true,
      env: options.env,
      stdio: options.stdio ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    if (this.child.pid === undefined) {
      throw new FlotillaError("SERVICE_START_FAILED", `cannot start the backend wrapper for ${program}`);
    }
    this.pgid = this.child.pid;
    for (const stream of options.stdio ? (["stderr"] as const) : (["stdout", "stderr"] as const)) {
      const splitter = new LineSplitter((line) => {
        this.lines.push(stream, line);
        options.onLine?.(stream, line);
      });
      this.child[stream]?.on("data", (chunk: Buffer) => splitter.push(chunk));
      this.child[stream]?.on("end", () => splitter.flush());
    }
    // A broken watch pipe just means the wrapper is gone; nothing to report.
    this.child.stdin?.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (exitCode, signal) => {
        this.exit = { exitCode, signal };
        resolve(this.exit);
      });
    });
  }

  /** The request channel of a `stdio` backend (its stdin, its stdout). */
  get channel(): StdioChannel | undefined {
    return channelStdio(this.child);
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** SIGTERM the group, SIGKILL after `graceMs`; resolves when the group is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    this.child.stdin?.destroy();
    await terminateGroup(this.pgid, graceMs);
  }

  /** Last resort from a synchronous exit handler. */
  killNow(): void {
    try {
      signalGroup(this.pgid, "SIGKILL");
    } catch {
      // Already gone or not ours: nothing left to do at exit.
    }
  }
}

export function describeExit(exit: BackendExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  if (exit.exitCode !== null && exit.exitCode > 128) return `was killed by signal ${exit.exitCode - 128}`;
  return `exited with code ${exit.exitCode}`;
}
