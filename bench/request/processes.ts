/** Child processes for the benchmark: started, read until their first line, always stopped. */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface Started {
  child: ChildProcess;
  /** The first line it printed (an endpoint). */
  first: string;
  /** Lines after the first. */
  lines: AsyncIterableIterator<string>;
}

/** A started server: where to reach it, and its process, to read its CPU time. */
export interface Served {
  endpoint: string;
  pid: number;
}

export const served = (started: Started): Served => ({ endpoint: started.first, pid: started.child.pid as number });

const running = new Set<ChildProcess>();

export async function startProcess(command: string, args: string[], timeoutMs = 60_000): Promise<Started> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await Promise.race([
    lines.next().then((r) => {
      if (r.done) throw new Error(`${command} ${args.join(" ")} exited before printing anything`);
      return r.value.trim();
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${command} did not start within ${timeoutMs} ms`)), timeoutMs).unref(),
    ),
  ]);
  return { child, first, lines };
}

export function startTs(script: string, args: string[] = []): Promise<Started> {
  return startProcess(process.execPath, ["--import", "tsx", resolve(ROOT, script), ...args]);
}

export async function stopAll(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
          child.once("exit", () => {
            clearTimeout(timer);
            done();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}
