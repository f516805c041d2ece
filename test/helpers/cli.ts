import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { onTestFinished } from "vitest";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BINARY = join(REPO, "dist", "flotilla");

/** The sources bundled into the binary: a change to any of them makes it stale. */
const BUNDLED = ["engine", "cli", "tui", "build", "package.json"];

/** Newest modification time under `path` (TypeScript, JavaScript and JSON files). */
function newestSource(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(child));
    else if (/\.(tsx?|[cm]?js|json)$/.test(entry.name)) newest = Math.max(newest, statSync(child).mtimeMs);
  }
  return newest;
}

/** Why the binary cannot stand for the sources, or undefined when it can. */
export function binaryProblem(): string | undefined {
  if (!existsSync(BINARY)) return `${BINARY} is missing`;
  const built = statSync(BINARY).mtimeMs;
  const stale = BUNDLED.filter((path) => newestSource(join(REPO, path)) > built);
  if (stale.length > 0) return `${BINARY} is older than ${stale.join(", ")}`;
  return undefined;
}

let checked: string | undefined | null = null;

/** True when FLOTILLA_TEST_SOURCE=1 asks for the sources instead of the binary. */
export function fromSource(): boolean {
  return process.env.FLOTILLA_TEST_SOURCE === "1";
}

/**
 * How tests invoke the CLI: the built single binary, what users run. A missing
 * or stale binary fails the test (a silent fallback to the sources would make
 * a green run say nothing about the binary). FLOTILLA_TEST_SOURCE=1 runs the
 * sources through node with tsx's loader instead, as one process (so the pid
 * signalled is the engine's own), for quick local loops.
 */
export function cliCommand(): string[] {
  if (fromSource()) {
    // tsx's loader by absolute URL: `--import tsx` would resolve against the test's cwd.
    const loader = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;
    return [process.execPath, "--import", loader, join(REPO, "cli", "main.ts")];
  }
  if (checked === null) checked = binaryProblem();
  if (checked !== undefined) {
    throw new Error(`${checked}: run \`npm run build\` (or set FLOTILLA_TEST_SOURCE=1 to test the sources instead)`);
  }
  return [BINARY];
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
  readonly stderr: string;
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
    get stderr() {
      return stderr;
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
