import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { onTestFinished } from "vitest";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BINARY = join(REPO, "dist", "flotilla");

/** Newest modification time of the sources the binary is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let binaryIsFresh: boolean | undefined;

/** The binary exists and was built after the last change to engine/, cli/ or tui/ (a stale one would test old code). */
function freshBinary(): boolean {
  binaryIsFresh ??=
    existsSync(BINARY) &&
    statSync(BINARY).mtimeMs >= Math.max(...["engine", "cli", "tui"].map((dir) => newestSource(join(REPO, dir))));
  return binaryIsFresh;
}

/**
 * How tests invoke the CLI: the built single binary when it is up to date
 * (what users run), else the sources through node with tsx's loader, as one
 * process (so the pid signalled is the engine's own). FLOTILLA_TEST_SOURCE=1
 * forces the sources; FLOTILLA_TEST_BINARY=1 the binary, however old.
 */
export function cliCommand(): string[] {
  const source = process.env.FLOTILLA_TEST_SOURCE === "1";
  const binary = process.env.FLOTILLA_TEST_BINARY === "1";
  if (!source && (binary || freshBinary())) return [BINARY];
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
