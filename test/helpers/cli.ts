import { type ChildProcess, spawn } from "node:child_process";
import { onTestFinished } from "vitest";

// Which binary to run lives with the benchmarks, which need it too.
import { cliCommand } from "../../bench/harness/binary.js";

export { cliCommand, REPO } from "../../bench/harness/binary.js";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when stdout so far matches `pattern` (rejects on exit or after `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
  readonly stdout: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
  /**
   * A command that execs the rest (same pid): `withUmask("000")`, or
   * `setpriv --reuid=… --` to run as another user.
   */
  wrap?: string[];
}

/** `wrap` that runs the CLI with this umask (octal digits). */
export function withUmask(umask: string): string[] {
  return ["sh", "-c", `umask ${umask} && exec "$@"`, "sh"];
}

export function startCli(args: string[], options: CliOptions): CliProcess {
  const [file, ...prefix] = [...(options.wrap ?? []), ...cliCommand()];
  const child = spawn(file as string, [...prefix, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const watchers = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const check of [...watchers]) check();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.once("close", (code, signal) => {
      exited = true;
      for (const check of [...watchers]) check();
      resolve({ code, signal, stdout, stderr });
    });
  });
  let exited = false;
  void done.then(() => {
    exited = true;
  });
  // A test that fails half-way must not leave a run (and its processes) behind:
  // SIGTERM makes the run tear down in order.
  onTestFinished(async () => {
    if (exited) return;
    child.kill("SIGTERM");
    await done;
  });
  return {
    child,
    pid: child.pid as number,
    done,
    get stdout() {
      return stdout;
    },
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(
            new Error(`no output matching ${pattern} within ${timeoutMs}ms; stdout:\n${stdout}\nstderr:\n${stderr}`),
          );
        }, timeoutMs);
        const check = () => {
          if (pattern.test(stdout)) {
            clearTimeout(timer);
            watchers.delete(check);
            resolve();
          } else if (exited) {
            clearTimeout(timer);
            watchers.delete(check);
            reject(new Error(`exited before output matched ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
  };
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}
