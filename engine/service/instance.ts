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
 * unexpected exit, or failed liveness checks (liveness.ts: then its process
 * group is killed), fail the instance and, while `restarts` allow, start it
 * again on the same cores and GPUs after a backoff.
 */
import { performance } from "node:perf_hooks";
import { errorMessage, FlotillaError } from "../errors.js";
import type { LogEvent, ServiceState, ServiceStateEvent, ServiceStateReason } from "../events.js";
import type { ExitRecord, Launcher, RunningProcess } from "../launch/types.js";
import type { Placement } from "../resources.js";
import type { Sandbox, Stager } from "../staging/stager.js";
import { restartsOf, type ServiceSpec } from "../workload/schema.js";
import { instanceVars } from "./command-driver.js";
import type { InstanceContext, InstanceDriver, ReadyResult } from "./driver.js";
import type { EndpointRegistry } from "./endpoints.js";
import { OutputLines } from "./lines.js";
import { LivenessMonitor, restartDelayMs } from "./liveness.js";
import { freePort } from "./port.js";
import { sleep } from "./probes.js";

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
  /** Steps of hang recovery that are not state changes (a failed check, a kill). */
  log?: (level: LogEvent["level"], message: string, subject: string) => void;
  /** Called after every state change (the engine re-checks waiting tasks). */
  onChange?: (instance: ServiceInstance) => void;
  /** Prepares its `workdir` and stages its `inputs` before its first start. */
  staging?: Stager;
}

type Emitted = Omit<ServiceStateEvent, "type" | "service" | "instance" | "node" | "cores" | "gpus" | "state">;

export class ServiceInstance {
  readonly id: string;
  private current: ServiceState = "pending";
  private process: RunningProcess | undefined;
  private restartsUsed = 0;
  /** From the failure that will be restarted until the restart is ready or given up on. */
  private restartPending = false;
  private stopping = false;
  private monitor: { stop(): void } | undefined;
  private readonly lines = new OutputLines();
  private readonly host: string;
  /** Its workdir, made before the first start and kept across restarts (a `move` input is staged once). */
  private sandbox: Sandbox | undefined;
  /** Making the workdir, while that is under way: stop() waits for it, so it can remove what it made. */
  private stagingIn: Promise<void> | undefined;

  constructor(private readonly options: InstanceOptions) {
    this.id = `${options.service.name}.${options.instance}`;
    this.host = options.launcher.hostOf(options.placement.node);
  }

  /** Instance index within its service. */
  get index(): number {
    return this.options.instance;
  }

  get state(): ServiceState {
    return this.current;
  }

  /** Failed with no restart coming (or stopped while failed): it will not be ready again. */
  get gaveUp(): boolean {
    return this.current === "failed" && (this.stopping || !this.restartPending);
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
    this.transition("launching", this.restartsUsed > 0 ? { reason: "restart" } : {});
    let process: RunningProcess | undefined;
    if (!this.options.driver.remote) {
      const staging = this.options.staging;
      if (staging?.wants(service) && this.sandbox === undefined) {
        const owner = { id: this.id, label: `service instance ${this.id}`, spec: service };
        this.stagingIn = staging.stageIn(owner, placement, instanceVars(context)).then((sandbox) => {
          this.sandbox = sandbox;
        });
        try {
          await this.stagingIn;
        } catch (error) {
          throw this.fail(errorMessage(error), { reason: "start_failed" }, error);
        }
        // Stopped meanwhile: stop() waited for the staging and removes the workdir.
        signal.throwIfAborted();
        if (this.stopping) throw new FlotillaError("INTERNAL", `${this.id} was stopped before it started`);
      }
      const plan = this.options.driver.command(context);
      const cwd = this.sandbox?.cwd;
      process = this.options.launcher.start({
        id: this.id,
        placement,
        command: plan.command,
        env: cwd === undefined ? plan.env : { ...plan.env, FLOTILLA_WORKDIR: cwd },
        ...(cwd === undefined ? {} : { cwd }),
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
      // A restart that did not get ready: say whether another one follows.
      const again = this.restartPending && this.restartsUsed < restartsOf(service);
      const next = again ? { restart_in_ms: restartDelayMs(this.restartsUsed + 1) } : {};
      throw this.fail(cause, { reason: "start_failed", ...next }, error);
    }
    const probedAt = performance.now();
    this.options.endpoints.publish({
      service: service.name,
      instance: this.options.instance,
      node: placement.node,
      endpoint: result.endpoint,
      ...(result.zmq === undefined ? {} : { zmq: result.zmq }),
      ...(result.keys === undefined ? {} : { keys: result.keys }),
      remote: this.options.driver.remote,
    });
    this.transition("ready", {
      endpoint: result.endpoint,
      ...(result.zmq === undefined ? {} : { zmq: result.zmq }),
      launch_ms: round(runningAt - placedAt),
      init_ms: round(probedAt - runningAt),
      publish_ms: round(performance.now() - probedAt),
    });
    if (process) {
      void process.exited.then((record) =>
        this.recover(process, "exited", `exited after it was ready: ${this.exitCause(record)}`, signal),
      );
      this.watch(context, result, process, signal);
    }
  }

  /** Stops the process (SIGTERM, grace, SIGKILL on its group). Ends in `stopped` unless it had failed. */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    this.unwatch();
    this.options.endpoints.withdraw(this.options.service.name, this.options.instance);
    if (this.process) await this.process.stop(graceMs);
    // A node-local workdir goes with the instance; one in the session stays with the session.
    await this.stagingIn?.catch(() => undefined);
    const sandbox = this.sandbox;
    this.sandbox = undefined;
    if (sandbox !== undefined) await this.options.staging?.discard(sandbox).catch(() => undefined);
    if (this.current !== "failed" && this.current !== "stopped") this.transition("stopped", {});
  }

  /** Checks the ready instance's liveness, on its schedule and whenever the dispatcher reports it silent. */
  private watch(context: InstanceContext, ready: ReadyResult, process: RunningProcess, signal: AbortSignal): void {
    const { service } = this.options;
    const spec = service.liveness;
    const probe = spec === "off" ? undefined : this.options.driver.liveness?.(context, ready);
    if (spec === "off" || probe === undefined) return;
    const log = (level: LogEvent["level"], message: string) => this.options.log?.(level, message, this.id);
    const monitor = new LivenessMonitor({
      ...spec,
      probe,
      onCheckFailed: (failures, why) =>
        log("warn", `${this.id}: liveness check ${failures} of ${spec.failures} failed: ${why}`),
      onRecovered: () => log("info", `${this.id}: answered a liveness check again`),
      onDead: (why) => void this.recover(process, "unresponsive", why, signal),
    });
    const unwatch = this.options.endpoints.watch(service.name, this.options.instance, (why, checkMs) =>
      monitor.suspect(why, checkMs),
    );
    this.monitor = {
      stop: () => {
        unwatch();
        monitor.stop();
      },
    };
    monitor.start();
  }

  private unwatch(): void {
    this.monitor?.stop();
    this.monitor = undefined;
  }

  /**
   * The ready instance exited, or stopped answering: out of the registry at
   * once (the dispatcher retries its requests in flight elsewhere), killed
   * when it is still there, and restarted while `restarts` allow.
   */
  private async recover(
    process: RunningProcess,
    reason: "exited" | "unresponsive",
    cause: string,
    signal: AbortSignal,
  ): Promise<void> {
    // Once per launch: the exit that follows a kill for unresponsiveness is not a second failure.
    if (this.stopping || process !== this.process || this.current !== "ready") return;
    this.unwatch();
    this.options.endpoints.withdraw(this.options.service.name, this.options.instance);
    const restarts = restartsOf(this.options.service);
    // Decided before `failed` is seen: a task waiting for the service must not take it for lost meanwhile.
    this.restartPending = this.restartsUsed < restarts && !signal.aborted;
    const delay = restartDelayMs(this.restartsUsed + 1);
    this.fail(cause, { reason, ...(this.restartPending ? { restart_in_ms: delay } : {}) });
    if (reason === "unresponsive") {
      // A hung process may ignore SIGTERM (a stopped one cannot even see it): no grace.
      await process.stop(0);
      this.options.log?.("warn", `${this.id}: killed its process group (pid ${process.pid}), unresponsive`, this.id);
    }
    // Each attempt counts, whether or not it gets ready again; start() reports its own failure.
    while (this.restartPending && !this.stopping && !signal.aborted) {
      try {
        await sleep(restartDelayMs(this.restartsUsed + 1), signal);
      } catch {
        break;
      }
      if (this.stopping) break;
      this.restartsUsed += 1;
      try {
        await this.start(signal);
        this.restartPending = false;
        return;
      } catch {}
      this.restartPending = this.restartsUsed < restarts;
    }
    this.restartPending = false;
    // The last failure was announced while a restart was still pending: say that none is coming.
    this.options.onChange?.(this);
  }

  private exitCause(record: ExitRecord): string {
    return this.options.driver.explainExit?.(this.lines.stderrTail()) ?? describeExit(record);
  }

  private fail(
    cause: string,
    fields: { reason: ServiceStateReason; restart_in_ms?: number },
    error?: unknown,
  ): FlotillaError {
    const node = this.options.placement.node;
    const stderrTail = this.lines.stderrTail();
    const message = `service instance ${this.id} on node ${node} failed: ${cause}`;
    this.transition("failed", { ...fields, error: message, stderr_tail: stderrTail });
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
