/**
 * The lifecycle of one service instance:
 *
 *   pending → launching → initializing → ready → stopped
 *                  ╰──────────┴───────────┴──→ failed
 *
 * launching: placed, port picked, command rendered. initializing: the process
 * runs (launch_ms = placed → running). ready: the probe passed (init_ms) and
 * the endpoint is published to the registry (publish_ms). A failure before
 * ready is a start-up failure (SERVICE_START_FAILED, exit 3). After ready, an
 * unexpected exit fails the instance and, while `restarts` allow, starts it
 * again on the same cores and GPUs.
 */
import { performance } from "node:perf_hooks";
import { errorMessage, FlotillaError } from "../errors.js";
import type { ServiceState, ServiceStateEvent } from "../events.js";
import type { ExitRecord, Launcher, RunningProcess } from "../platform/types.js";
import type { Placement } from "../scheduler/types.js";
import type { ServiceSpec } from "../workload/schema.js";
import type { InstanceContext, InstanceDriver } from "./driver.js";
import type { EndpointRegistry } from "./endpoints.js";
import { OutputLines } from "./lines.js";
import { freePort } from "./port.js";

export interface InstanceOptions {
  service: ServiceSpec;
  instance: number;
  placement: Placement;
  launcher: Launcher;
  driver: InstanceDriver;
  endpoints: EndpointRegistry;
  self: string[];
  sessionDir: string;
  /** Log files of this instance (appended across restarts). */
  logPaths: { stdout: string; stderr: string };
  emit: (event: ServiceStateEvent) => void;
  /** Called after every state change (the engine re-checks waiting tasks). */
  onChange?: (instance: ServiceInstance) => void;
}

type Emitted = Omit<ServiceStateEvent, "type" | "service" | "instance" | "node" | "cores" | "gpus" | "state">;

export class ServiceInstance {
  readonly id: string;
  private current: ServiceState = "pending";
  private process: RunningProcess | undefined;
  private restartsUsed = 0;
  private stopping = false;
  private readonly lines = new OutputLines();
  private readonly host: string;

  constructor(private readonly options: InstanceOptions) {
    this.id = `${options.service.name}.${options.instance}`;
    this.host = options.launcher.hostOf(options.placement.node);
  }

  get state(): ServiceState {
    return this.current;
  }

  /** Failed with no restart left (or stopped while failed): it will not be ready again. */
  get gaveUp(): boolean {
    return this.current === "failed" && (this.stopping || this.restartsUsed >= this.options.service.restarts);
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Emits `pending` (placed, not started yet). */
  announce(): void {
    this.transition("pending", {});
  }

  /**
   * Launches the instance and waits until it is ready. Rejects with a
   * FlotillaError SERVICE_START_FAILED naming the instance, node and stderr
   * tail; with `signal.reason` when the run is aborted meanwhile.
   */
  async start(signal: AbortSignal): Promise<void> {
    const { service, placement } = this.options;
    const placedAt = performance.now();
    const context: InstanceContext = {
      service,
      instance: this.options.instance,
      placement,
      host: this.host,
      // Checked free on this host: right for the local platform, a best guess for remote nodes.
      port: this.options.driver.remote ? 0 : await freePort(),
      self: this.options.self,
      sessionDir: this.options.sessionDir,
    };
    signal.throwIfAborted();
    if (this.stopping) throw new FlotillaError("INTERNAL", `${this.id} was stopped before it started`);
    this.lines.clear();
    this.transition("launching", {});
    let process: RunningProcess | undefined;
    if (!this.options.driver.remote) {
      const plan = this.options.driver.command(context);
      process = this.options.launcher.start({
        id: this.id,
        placement,
        command: plan.command,
        env: plan.env,
        stdoutPath: this.options.logPaths.stdout,
        stderrPath: this.options.logPaths.stderr,
        onLine: this.lines.push,
      });
      this.process = process;
    }
    const runningAt = performance.now();
    this.transition("initializing", process?.pid === undefined ? {} : { pid: process.pid });

    const exitedEarly = new AbortController();
    let early: ExitRecord | undefined;
    void process?.exited.then((record) => {
      early = record;
      exitedEarly.abort(new Error("exited"));
    });
    const timeout = AbortSignal.timeout(service.startup_timeout);
    const probeSignal = AbortSignal.any([signal, timeout, exitedEarly.signal]);
    let result: Awaited<ReturnType<InstanceDriver["waitReady"]>>;
    try {
      result = await this.options.driver.waitReady(
        { ...context, lines: this.lines, ...(process?.pid === undefined ? {} : { pid: process.pid }) },
        probeSignal,
      );
      if (early) throw new Error("exited");
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const cause = early
        ? this.exitCause(early)
        : timeout.aborted
          ? `not ready within ${service.startup_timeout} ms (startup_timeout)`
          : errorMessage(error);
      if (process && !early) await process.stop();
      throw this.fail(cause, error);
    }
    const probedAt = performance.now();
    this.options.endpoints.publish({
      service: service.name,
      instance: this.options.instance,
      node: placement.node,
      endpoint: result.endpoint,
      ...(result.zmq === undefined ? {} : { zmq: result.zmq }),
      remote: this.options.driver.remote,
    });
    this.transition("ready", {
      endpoint: result.endpoint,
      ...(result.zmq === undefined ? {} : { zmq: result.zmq }),
      launch_ms: round(runningAt - placedAt),
      init_ms: round(probedAt - runningAt),
      publish_ms: round(performance.now() - probedAt),
    });
    if (process) void process.exited.then((record) => this.onExitAfterReady(process, record, signal));
  }

  /** Stops the process (SIGTERM, grace, SIGKILL on its group). Ends in `stopped` unless it had failed. */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    this.options.endpoints.withdraw(this.options.service.name, this.options.instance);
    if (this.process) await this.process.stop(graceMs);
    if (this.current !== "failed" && this.current !== "stopped") this.transition("stopped", {});
  }

  private async onExitAfterReady(process: RunningProcess, record: ExitRecord, signal: AbortSignal): Promise<void> {
    if (this.stopping || process !== this.process) return;
    this.options.endpoints.withdraw(this.options.service.name, this.options.instance);
    this.fail(`exited after it was ready: ${this.exitCause(record)}`);
    // Each attempt counts, whether or not it gets ready again; start() reports its own failure.
    while (this.restartsUsed < this.options.service.restarts && !this.stopping && !signal.aborted) {
      this.restartsUsed += 1;
      try {
        await this.start(signal);
        return;
      } catch {}
    }
  }

  private exitCause(record: ExitRecord): string {
    return this.options.driver.explainExit?.(this.lines.stderrTail()) ?? describeExit(record);
  }

  private fail(cause: string, error?: unknown): FlotillaError {
    const node = this.options.placement.node;
    const stderrTail = this.lines.stderrTail();
    const message = `service instance ${this.id} on node ${node} failed: ${cause}`;
    this.transition("failed", { error: message, stderr_tail: stderrTail });
    return new FlotillaError("SERVICE_START_FAILED", message, {
      cause: error,
      context: { instance: this.id, node, stderr_tail: stderrTail },
    });
  }

  private transition(state: ServiceState, fields: Emitted): void {
    this.current = state;
    const { service, instance, placement } = this.options;
    this.options.emit({
      type: "service:state",
      service: service.name,
      instance,
      state,
      node: placement.node,
      cores: placement.cores,
      gpus: placement.gpus,
      ...(this.options.driver.remote ? { remote: true } : {}),
      ...(this.restartsUsed > 0 ? { restarts: this.restartsUsed } : {}),
      ...fields,
    });
    this.options.onChange?.(this);
  }
}

export function describeExit(record: ExitRecord): string {
  if (record.cause !== undefined && record.exitCode === null && record.signal === null) {
    return `could not start: ${errorMessage(record.cause)}`;
  }
  if (record.signal) return `killed by ${record.signal}`;
  return `exited with code ${record.exitCode}`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
