import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { onTestFinished } from "vitest";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BINARY = join(REPO, "dist", "flotilla");

/**
 * How tests invoke the CLI: the built single binary when it exists (what
 * users run), else the sources through node with tsx's loader, as one process
 * (so the pid signalled is the engine's own). FLOTILLA_TEST_SOURCE=1 forces
 * the sources.
 */
export function cliCommand(): string[] {
  if (existsSync(BINARY) && process.env.FLOTILLA_TEST_SOURCE !== "1") return [BINARY];
  // tsx's loader by absolute URL: `--import tsx` would resolve against the test's cwd.
  const loader = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return [process.execPath, "--import", loader, join(REPO, "cli", "main.ts")];
}

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

export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliProcess {
  const [file, ...prefix] = cliCommand();
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

export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return startCli(args, options).done;
}
