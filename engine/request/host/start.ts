/**
 * Starts one service instance's host: the backend process (if any), waits
 * for it to be ready, then binds the ROUTER socket. Used by both
 * `flotilla service-host` (launched by the engine) and `flotilla serve`.
 */
import { FlotillaError } from "../../errors.js";
import { OutputLines, type Stream } from "../../service/lines.js";
import { waitForProbe } from "../../service/probes.js";
import type { BackendName } from "../../workload/backends.js";
import type { ReadySpec } from "../../workload/schema.js";
import type { Backend } from "./backend.js";
import { type BackendExit, BackendProcess, describeExit } from "./backend-process.js";
import { hostNow } from "./clock.js";
import { type DelaySpec, NoopBackend } from "./noop.js";
import { OpenAiBackend } from "./openai.js";
import { type HostCurve, ServiceHost } from "./server.js";
import { StdioBackend } from "./stdio.js";
import { attachStdio, stdioBackend } from "./stdio-start.js";

export interface HostConfig {
  service: string;
  backend: BackendName;
  /** ZeroMQ address to bind; a `*` port picks a free one. */
  bind: string;
  /** Backend origin for openai, e.g. http://127.0.0.1:8000. */
  backendUrl?: string;
  /** Readiness of the backend; openai defaults to GET /v1/models answering. */
  ready?: ReadySpec;
  command: string[];
  env: Record<string, string | undefined>;
  maxInflight: number;
  maxQueue: number;
  delay?: DelaySpec;
  maxPayloadBytes?: number;
  /** CURVE keys for a TCP bind; absent: an ipc bind, or an explicit --insecure. */
  curve?: HostCurve;
  startupTimeoutMs: number;
  onBackendLine?: (stream: Stream, line: string) => void;
}

export interface RunningHost {
  host: ServiceHost;
  /** The bound ZeroMQ endpoint. */
  zmq: string;
  /** The backend's OpenAI base URL (…/v1), for openai backends. */
  endpoint?: string;
  /** Start → backend ready and socket bound. */
  initMs: number;
  process?: BackendProcess;
  /** Stops taking requests, finishes or fails in-flight ones, stops the backend group. */
  stop(graceMs?: number): Promise<void>;
}

const DEFAULT_OPENAI_READY: ReadySpec = { http: "/v1/models" };

function startFailed(message: string, process: BackendProcess | undefined, cause?: unknown): FlotillaError {
  const stderrTail = process?.lines.stderrTail() ?? [];
  const tail = stderrTail.length > 0 ? `\n${stderrTail.map((line) => `  | ${line}`).join("\n")}` : "";
  return new FlotillaError("SERVICE_START_FAILED", `${message}${tail}`, {
    cause,
    context: { stderr_tail: stderrTail },
  });
}

async function waitReady(config: HostConfig, process: BackendProcess | undefined, signal: AbortSignal): Promise<void> {
  const ready = config.ready ?? (config.backend === "openai" ? DEFAULT_OPENAI_READY : undefined);
  if (ready === undefined) return;
  if (config.backendUrl === undefined && !("log" in ready))
    throw new FlotillaError("USAGE", "readiness needs --backend-port or --backend-url");
  const url = new URL(config.backendUrl ?? "http://127.0.0.1");
  const target = { host: url.hostname, port: Number(url.port || 80), lines: process?.lines ?? new OutputLines() };
  const probe = AbortSignal.any([signal, AbortSignal.timeout(config.startupTimeoutMs)]);
  const exited = process?.exited.then((exit: BackendExit) => {
    throw startFailed(`backend ${config.command[0]} ${describeExit(exit)} before it was ready`, process);
  });
  try {
    await Promise.race(
      exited === undefined ? [waitForProbe(ready, target, probe)] : [waitForProbe(ready, target, probe), exited],
    );
  } catch (error) {
    if (error instanceof FlotillaError) throw error;
    if (signal.aborted)
      throw new FlotillaError("INTERRUPTED", "stopped while waiting for the backend", { cause: error });
    throw startFailed(`backend not ready within ${config.startupTimeoutMs} ms`, process, error);
  } finally {
    exited?.catch(() => {});
  }
}

function createBackend(config: HostConfig): Backend {
  if (config.backend === "noop") return new NoopBackend(config.delay);
  if (config.backend === "stdio") return stdioBackend(config);
  if (config.backendUrl === undefined)
    throw new FlotillaError("USAGE", "--backend openai needs --backend-port or --backend-url");
  return new OpenAiBackend({ url: config.backendUrl, maxSockets: config.maxInflight });
}

export async function startHost(config: HostConfig, signal: AbortSignal): Promise<RunningHost> {
  const started = hostNow();
  const backend = createBackend(config);
  const process =
    config.command.length === 0
      ? undefined
      : new BackendProcess({
          command: config.command,
          env: config.env,
          ...(config.onBackendLine === undefined ? {} : { onLine: config.onBackendLine }),
          stdio: backend.name === "stdio",
        });
  if (backend instanceof StdioBackend) attachStdio(backend, process);
  const host = new ServiceHost({
    service: config.service,
    backend,
    bind: config.bind,
    maxInflight: config.maxInflight,
    maxQueue: config.maxQueue,
    ...(config.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: config.maxPayloadBytes }),
    ...(config.curve === undefined ? {} : { curve: config.curve }),
  });
  try {
    await waitReady(config, process, signal);
    const zmq = await host.start();
    const running: RunningHost = {
      host,
      zmq,
      initMs: Math.round(hostNow() - started),
      stop: async (graceMs = 5_000) => {
        await host.stop(graceMs);
        await process?.stop(graceMs);
      },
    };
    if (process !== undefined) running.process = process;
    if (config.backend === "openai" && config.backendUrl !== undefined) {
      running.endpoint = `${new URL(config.backendUrl).origin}/v1`;
    }
    return running;
  } catch (error) {
    await process?.stop(2_000);
    await host.stop(0);
    if (error instanceof FlotillaError) throw error;
    throw startFailed(`cannot bind ${config.bind}: ${String(error)}`, process, error);
  }
}
