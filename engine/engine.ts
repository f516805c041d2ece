/**
 * The engine: one workload, one allocation, one event stream.
 *
 *   session:start → allocation pending/active → place every service instance
 *   → start them all at once; tasks wait for resources and for the services
 *   they use → when every task has ended (and every service has settled):
 *   teardown → allocation released → session:end → events.jsonl closed →
 *   summary.json.
 *
 * The first fatal cause decides the exit code (errors.ts): a service start-up
 * or allocation failure 3, the walltime 1, a write error in the session
 * directory 4, SIGINT 130, SIGTERM 143. A failed task does not stop the
 * others; the run then ends with 1 once all have ended.
 */
import { performance } from "node:perf_hooks";
import { EventBus } from "./bus.js";
import { EXIT_CODES, errorMessage, exitCodeFor, FlotillaError, isFlotillaError } from "./errors.js";
import { type EngineEvent, type EngineEventBody, EVENT_VERSION } from "./events.js";
import { defaultRegistry, killAllSync, type ProcessRegistry } from "./launch/registry.js";
import type { Allocation, AllocationRequest, Platform } from "./platform/types.js";
import { RequestPath, type RequestPathSettings } from "./request/request-path.js";
import type { PilotOptions } from "./run/control/pilot.js";
import { installExitHooks } from "./run/exit-hooks.js";
import { FatalCause } from "./run/fatal.js";
import { openSessionRecord, type SessionRecord } from "./run/record.js";
import { Teardown } from "./run/teardown.js";
import { isFailedEnd, runWorkload } from "./run/workload-run.js";
import { EndpointRegistry } from "./service/endpoints.js";
import { startEndpointsFile } from "./service/endpoints-file.js";
import type { SessionDir } from "./session/session-dir.js";
import { onWriteFailure } from "./session/write-errors.js";
import { reduce, serviceCounts, taskCounts } from "./state.js";
import type { LoadedWorkload } from "./workload/load.js";

export interface EngineOptions {
  /** The workload as loadWorkload/parseWorkload returned it (positions name file:line in errors). */
  loaded: LoadedWorkload;
  platform: Platform;
  /** What to ask the platform for (workload allocation merged with flags). */
  request: AllocationRequest;
  /** The session directory (createSessionDir): events.jsonl, logs, summary.json. */
  session: SessionDir;
  /** How to invoke this Flotilla binary again (service hosts). */
  self: string[];
  version: string;
  /** Where each effective setting came from, for session:start. */
  settings?: EngineSettings;
  /** SIGTERM → SIGKILL grace at teardown (default 5 s). */
  graceMs?: number;
  bus?: EventBus;
  /** Where the platform's launcher registers processes (the last-resort sweep at teardown). */
  registry?: ProcessRegistry;
  /** Ready service instances (shared with the request path). */
  endpoints?: EndpointRegistry;
  /**
   * How the request path runs (the HTTP front's address, authentication, the
   * environment remote tokens are read from). The engine builds the request
   * path itself: service hosts, remote endpoints, inference tasks, the HTTP
   * front and the request metrics.
   */
  requestPath?: RequestPathSettings;
  /** Other parts that live for the run: started once the allocation is active, stopped at teardown. */
  extensions?: RunExtension[];
  /** Stay up after the workload's tasks and take submissions until down, idle or walltime (`flotilla up`). */
  pilot?: PilotOptions;
}

/** Started before any service or task; stopped after tasks are canceled and before services stop. */
export interface RunExtension {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type EngineSettings = NonNullable<Extract<EngineEventBody, { type: "session:start" }>["settings"]>;

export const DEFAULT_TEARDOWN_GRACE_MS = 5_000;

export class Engine {
  readonly bus: EventBus;
  readonly endpoints: EndpointRegistry;
  /** Service hosts, remote endpoints, inference tasks, the HTTP front and request metrics. */
  readonly requestPath: RequestPath;
  private readonly teardown: Teardown;
  private started = false;
  #writeError: FlotillaError | undefined;

  constructor(private readonly options: EngineOptions) {
    this.bus = options.bus ?? new EventBus();
    this.endpoints = options.endpoints ?? new EndpointRegistry();
    this.teardown = new Teardown(options.graceMs ?? DEFAULT_TEARDOWN_GRACE_MS);
    const { loaded, session } = options;
    this.requestPath = new RequestPath({
      ...options.requestPath,
      workload: loaded.workload,
      workloadDir: loaded.dir,
      sessionDir: session.path,
      endpoints: this.endpoints,
      emit: (body) => this.bus.emit(body),
    });
  }

  /** Every event from now on (async iterable); ends after session:end. */
  events() {
    return this.bus.events();
  }

  /** The first write error in the session directory, if any (the record is then incomplete). */
  get writeError(): FlotillaError | undefined {
    return this.#writeError;
  }

  /** Skips the rest of the grace: every process group Flotilla started gets SIGKILL now. */
  kill(): void {
    this.teardown.hurry();
    killAllSync();
  }

  /** Runs the workload to the end. Never rejects: every failure becomes an exit code and session:end. */
  async run(signal: AbortSignal): Promise<number> {
    if (this.started) throw new FlotillaError("INTERNAL", "an engine runs once");
    this.started = true;
    const startedAt = performance.now();
    const { options, bus } = this;
    // Throws (exit 2) when events.jsonl cannot be opened: nothing has started yet.
    const record: SessionRecord = openSessionRecord(options.session, bus);
    // Should this process exit mid-run, nothing it started outlives it and the record is flushed.
    const removeExitHooks = installExitHooks();
    const fatal = new FatalCause(signal);
    const emit = (body: EngineEventBody) => bus.emit(body);
    // A full disk (or any write error in the session directory) stops the run in order.
    let ended = false;
    const reported = new Set<string>();
    const stopListening = onWriteFailure((failure) => {
      this.#writeError ??= failure;
      const path = String(failure.context.path);
      if (ended || reported.has(path)) return;
      reported.add(path);
      // Reported from inside a writer, often while the bus delivers an event: act after it.
      queueMicrotask(() => {
        if (ended) return;
        emit({ type: "log", level: "error", message: failure.message, code: failure.code });
        fatal.set(failure);
      });
    });
    emit({
      type: "session:start",
      session_id: options.session.id,
      workload: options.loaded.workload.name ?? "workload",
      workload_file: options.loaded.source,
      platform: options.platform.name,
      session_dir: options.session.path,
      version: options.version,
      pid: process.pid,
      ...(options.settings === undefined ? {} : { settings: options.settings }),
    });

    const endpointsFile = startEndpointsFile({
      sessionDir: options.session.path,
      sessionId: options.session.id,
      services: options.loaded.workload.services.map((service) => service.name),
      registry: this.endpoints,
      serviceEnv: (service) => this.requestPath.serviceEnv(service),
    });
    // Everything below waits on processes and sockets; should they all vanish at
    // once, this keeps the process alive until session:end instead of letting
    // Node exit silently with code 0.
    const keepAlive = setInterval(() => {}, 60_000);
    let allocation: Allocation | undefined;
    let reason = "all tasks ended";
    try {
      allocation = await this.acquire(fatal.signal);
      const requestPath = this.requestPath;
      this.teardown.add(() => requestPath.stop());
      await requestPath.start();
      for (const extension of options.extensions ?? []) {
        this.teardown.add(() => extension.stop());
        await extension.start();
      }
      reason = await runWorkload({
        ...options,
        allocation,
        emit,
        fatal,
        teardown: this.teardown,
        logPaths: record.logPaths,
        endpoints: this.endpoints,
        requestPath: this.requestPath,
        sessionDir: options.session.path,
        bus,
      });
    } catch (error) {
      fatal.set(error);
    }
    await this.teardown.run();
    // Anything a step missed (or started meanwhile) goes now.
    await (options.registry ?? defaultRegistry).stopAll(this.teardown.grace);
    if (allocation) await this.release(allocation);
    endpointsFile.end();
    fatal.dispose();
    // Events so far, then room for the summary and session:end (a failure here still counts).
    record.prepareEnd();
    const failure = fatal.error ?? this.#writeError;

    if (failure?.code === "INTERNAL") {
      // A bug, not a user error: keep the stack in the record for the report.
      const cause = failure.cause;
      emit({
        type: "log",
        level: "error",
        message: cause instanceof Error ? (cause.stack ?? cause.message) : failure.message,
        code: "INTERNAL",
      });
    }
    let code = failure ? exitCodeFor(failure.code) : isFailedEnd(reason) ? EXIT_CODES.taskFailed : EXIT_CODES.ok;
    if (failure) reason = failure.message;
    const snapshot = bus.getSnapshot();
    const duration_ms = Math.round(performance.now() - startedAt);
    const end = (): EngineEventBody => ({
      type: "session:end",
      exit_code: code,
      reason,
      duration_ms,
      tasks: taskCounts(snapshot),
      services: serviceCounts(snapshot),
    });
    // summary.json before session:end, from the state as it will be after it, so
    // that a summary that cannot be written changes the exit code session:end states.
    const ts = bus.now();
    const final = reduce(snapshot, { v: EVENT_VERSION, seq: bus.lastSeq + 1, ts, ...end() } as EngineEvent);
    if (!record.writeSummary(final) && failure === undefined && this.#writeError) {
      code = EXIT_CODES.sessionWrite;
      reason = this.#writeError.message;
    }
    ended = true;
    const wroteBefore = this.#writeError;
    bus.emit(end(), ts);
    try {
      await record.close();
    } finally {
      stopListening();
      bus.close();
      clearInterval(keepAlive);
      removeExitHooks();
    }
    // session:end itself could not be written: the record is incomplete, whatever it says.
    if (wroteBefore === undefined && this.#writeError && code < EXIT_CODES.usage) code = EXIT_CODES.sessionWrite;
    return code;
  }

  private async acquire(signal: AbortSignal): Promise<Allocation> {
    const { platform, request } = this.options;
    try {
      return await platform.acquire(request, signal, (state) =>
        this.bus.emit({ type: "allocation:state", platform: platform.name, ...state }),
      );
    } catch (error) {
      const failure = isFlotillaError(error)
        ? error
        : new FlotillaError("ALLOCATION_FAILED", `allocation failed: ${errorMessage(error)}`, { cause: error });
      this.bus.emit({
        type: "allocation:state",
        platform: platform.name,
        state: "failed",
        nodes: [],
        reason: failure.message,
      });
      throw failure;
    }
  }

  private async release(allocation: Allocation): Promise<void> {
    const nodes = allocation.nodes.map((node) => ({
      name: node.name,
      cores: node.cores.length,
      gpus: node.gpus.length,
    }));
    try {
      await allocation.release();
      this.bus.emit({ type: "allocation:state", platform: allocation.platform, state: "released", nodes });
    } catch (error) {
      this.bus.emit({
        type: "log",
        level: "error",
        message: `could not release the allocation: ${errorMessage(error)}`,
      });
    }
  }
}
