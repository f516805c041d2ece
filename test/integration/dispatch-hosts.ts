/**
 * Real service hosts for dispatcher tests: in this process (ServiceHost over
 * a real ROUTER socket) or in a child process that a test can SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { RequestMetrics } from "../../engine/metrics/collector.js";
import { Dispatcher, type DispatcherOptions } from "../../engine/request/dispatch/dispatcher.js";
import { NoopBackend } from "../../engine/request/host/noop.js";
import { ServiceHost } from "../../engine/request/host/server.js";

export interface HostOptions {
  delayMs?: number;
  maxInflight?: number;
  maxQueue?: number;
}

export async function startNoopHost(service: string, options: HostOptions = {}): Promise<ServiceHost> {
  const host = new ServiceHost({
    service,
    backend: new NoopBackend(options.delayMs ? { mean_ms: options.delayMs, sd_ms: 0 } : undefined),
    bind: "tcp://127.0.0.1:*",
    maxInflight: options.maxInflight ?? 64,
    maxQueue: options.maxQueue ?? 1_024,
  });
  await host.start();
  return host;
}

const ROOT = resolve(import.meta.dirname, "../..");

/** A noop host in its own process; resolves once it has bound, with its endpoint. */
export async function spawnNoopHost(
  service: string,
  delayMs: number,
): Promise<{ child: ChildProcess; endpoint: string }> {
  const dir = mkdtempSync(join(tmpdir(), "flotilla-host-"));
  const script = join(dir, "host.mts");
  writeFileSync(
    script,
    `import { NoopBackend } from ${JSON.stringify(join(ROOT, "engine/request/host/noop.ts"))};
import { ServiceHost } from ${JSON.stringify(join(ROOT, "engine/request/host/server.ts"))};
const host = new ServiceHost({ service: ${JSON.stringify(service)}, backend: new NoopBackend({ mean_ms: ${delayMs}, sd_ms: 0 }), bind: "tcp://127.0.0.1:*", maxInflight: 64, maxQueue: 1024 });
console.log(await host.start());
`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  // The script is read once the host has started; its folder goes with the process.
  child.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const lines = createInterface({ input: child.stdout! });
  const endpoint = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error("host process did not start within 30 s")), 30_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolveLine(line.trim());
    });
    child.once("exit", (code) => reject(new Error(`host process exited with ${code}`)));
  });
  return { child, endpoint };
}

export function newDispatcher(
  service: string,
  overrides: Partial<DispatcherOptions> = {},
): { dispatcher: Dispatcher; metrics: RequestMetrics } {
  const metrics = overrides.metrics ?? new RequestMetrics();
  const dispatcher = new Dispatcher({
    service,
    metrics,
    requestTimeoutMs: 5_000,
    maxAttempts: 3,
    instanceCapacity: 1_088,
    maxInflight: 64,
    probeIntervalMs: 100,
    ...overrides,
  });
  return { dispatcher, metrics };
}
