/**
 * Remote instances for experiments 2 and 3: persistent `flotilla serve`
 * hosts (this binary, as a user would start them on another machine), each
 * reached through its own latency proxy. Runs name the proxies' addresses as
 * the service's `endpoints`.
 *
 * They authenticate as any `serve` on TCP must: the pool makes a host key
 * pair and a client key pair in a private `keys/` directory of the results,
 * gives the hosts `--curve-secret`/`--curve-clients`, and names the server
 * key and the client pair beside each endpoint in the workload.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { certificateText, FlotillaError, newKeyPair, writePrivateFile, writePublicFile } from "../../engine/index.js";
import { selfCommand } from "../self.js";
import { stopChild, track } from "./children.js";
import type { RawService } from "./common.js";
import { type LatencyProxy, startProxy } from "./proxy.js";

/** One remote host as the workload names it: the proxy's address and the CURVE keys to reach it. */
export interface RemoteEndpoint {
  url: string;
  server_key: string;
  client_keys: string;
}

export interface RemotePool {
  /** The proxies, one per host. */
  endpoints: RemoteEndpoint[];
  stop(): Promise<void>;
}

export interface RemoteOptions {
  count: number;
  service: RawService;
  delayMs: number;
  jitterMs: number;
  /** Where the pool's keys go (a private `keys/` directory is made in it). */
  dir: string;
  signal: AbortSignal;
}

interface PoolKeys {
  hostSecret: string;
  hostPublic: string;
  clientPublic: string;
  clientSecret: string;
}

function poolKeys(dir: string): PoolKeys {
  const keys = join(dir, "keys");
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  const files = {
    hostSecret: join(keys, "host.key_secret"),
    hostPublic: join(keys, "host.key"),
    clientPublic: join(keys, "client.key"),
    clientSecret: join(keys, "client.key_secret"),
  };
  const host = newKeyPair();
  const client = newKeyPair();
  writePrivateFile(files.hostSecret, certificateText(host));
  writePublicFile(files.hostPublic, certificateText({ publicKey: host.publicKey }));
  writePrivateFile(files.clientSecret, certificateText(client));
  writePublicFile(files.clientPublic, certificateText({ publicKey: client.publicKey }));
  return files;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()));
    });
  });
}

/** `serve` arguments for instance `index` of the service as the workload describes it. */
async function serveArgs(service: RawService, index: number, keys: PoolKeys): Promise<string[]> {
  const args = ["serve", "--backend", String(service.backend ?? "noop"), "--port", "0", "--service", service.name];
  args.push("--curve-secret", keys.hostSecret, "--curve-clients", keys.clientPublic);
  if (service.max_inflight !== undefined) args.push("--max-inflight", String(service.max_inflight));
  if (service.max_queue !== undefined) args.push("--max-queue", String(service.max_queue));
  const delay = service.delay as { mean_ms?: number; sd_ms?: number } | undefined;
  if (delay?.mean_ms !== undefined) args.push("--delay-mean", String(delay.mean_ms));
  if (delay?.sd_ms !== undefined) args.push("--delay-sd", String(delay.sd_ms));
  if (service.startup_timeout !== undefined) args.push("--startup-timeout", String(service.startup_timeout));
  const ready = service.ready as { http?: string; tcp?: boolean; log?: string } | undefined;
  if (ready?.http !== undefined) args.push("--ready", `http:${ready.http}`);
  else if (ready?.tcp === true) args.push("--ready", "tcp");
  else if (ready?.log !== undefined) args.push("--ready", `log:${ready.log}`);
  const command = service.command as string[] | undefined;
  if (command !== undefined && command.length > 0) {
    args.push("--backend-port", String(await freePort()), "--");
    // serve fills {port}; the rest as the engine would for instance `index` on this host.
    args.push(
      ...command.map((arg) =>
        arg.replaceAll("{host}", "127.0.0.1").replaceAll("{instance}", String(index)).replaceAll("{gpu_ids}", ""),
      ),
    );
  }
  return args;
}

function startServe(args: string[], env: Record<string, string>, timeoutMs: number) {
  const [file, ...prefix] = selfCommand();
  const child = spawn(file as string, [...prefix, ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  track(child);
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => {
    tail.push(line);
    if (tail.length > 10) tail.shift();
  });
  const endpoint = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`flotilla serve not ready in ${timeoutMs} ms`)), timeoutMs);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /listening on (tcp:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`flotilla serve exited (${code}) before it listened: ${tail.join(" / ")}`));
    });
  });
  return { child, endpoint };
}

export async function startRemotePool(options: RemoteOptions): Promise<RemotePool> {
  const env = Object.fromEntries(
    Object.entries((options.service.env as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const keys = poolKeys(options.dir);
  const hosts = await Promise.all(
    Array.from({ length: options.count }, async (_, i) =>
      startServe(await serveArgs(options.service, i, keys), env, 15 * 60_000),
    ),
  );
  const proxies: LatencyProxy[] = [];
  const stop = async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(hosts.map((h) => stopChild(h.child)));
  };
  const onAbort = () => void stop();
  options.signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (const host of hosts) {
      const url = new URL((await host.endpoint).replace(/^tcp:/, "http:"));
      proxies.push(
        await startProxy({
          target: { host: url.hostname, port: Number(url.port) },
          delayMs: options.delayMs,
          jitterMs: options.jitterMs,
        }),
      );
    }
  } catch (error) {
    await stop();
    throw new FlotillaError("SERVICE_START_FAILED", `remote instances: ${(error as Error).message}`, { cause: error });
  }
  return {
    endpoints: proxies.map((p) => ({
      url: `tcp://${p.address}`,
      server_key: keys.hostPublic,
      client_keys: keys.clientSecret,
    })),
    async stop() {
      options.signal.removeEventListener("abort", onAbort);
      await stop();
    },
  };
}
