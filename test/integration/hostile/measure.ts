/**
 * Runs the CLI once and measures it: exit code, output, wall time and peak
 * resident memory. Peak memory comes from GNU time (`/usr/bin/time -f %M`,
 * the kernel's ru_maxrss for the child), which sees the true peak; polling
 * /proc would miss a spike just before exit.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliCommand } from "../../helpers/cli.js";

const GNU_TIME = "/usr/bin/time";

export interface Measured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident set size in MB; undefined where GNU time is not installed. */
  peakMb: number | undefined;
}

/** Output kept per stream: enough for any message, bounded if something floods. */
const KEEP = 1_000_000;

export function measure(args: string[], cwd: string, timeoutMs: number): Promise<Measured> {
  const rssFile = join(tmpdir(), `flotilla-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const withTime = existsSync(GNU_TIME);
  const command = [...(withTime ? [GNU_TIME, "-o", rssFile, "-f", "%M"] : []), ...cliCommand(), ...args];
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    if (stdout.length < KEEP) stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderr.length < KEEP) stderr += chunk;
  });
  // A case that hangs (a FIFO opened for reading) must fail, not stall the suite.
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      let peakMb: number | undefined;
      if (withTime && existsSync(rssFile)) {
        const kb = Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1));
        peakMb = Number.isFinite(kb) ? kb / 1024 : undefined;
        rmSync(rssFile, { force: true });
      }
      resolve({ code, signal, stdout, stderr, ms, peakMb });
    });
  });
}
