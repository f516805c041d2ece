/**
 * The request path of one run, as the engine sees it: drivers for instances
 * fronted by a service host and for remote endpoints, the executor for
 * inference tasks, the env of tasks that `use` a service, the HTTP front,
 * the dispatchers and the metrics. Started once the allocation is active
 * (before any task), stopped at teardown (before session:end), so the final
 * `metrics` event is in the record.
 */
import { join } from "node:path";
import type { EngineEventBody, LogEvent } from "../events.js";
import { RequestMetrics } from "../metrics/collector.js";
import { RequestProfile } from "../metrics/profile.js";
import { type MetricsTicker, startMetricsTicker } from "../metrics/ticker.js";
import type { RequestCapability } from "../run/capability.js";
import type { TaskExecutor } from "../run/tasks.js";
import type { InstanceDriver } from "../service/driver.js";
import type { ServiceDrivers } from "../service/drivers.js";
import type { EndpointRegistry } from "../service/endpoints.js";
import { isRemoteInstance, type TaskInstance } from "../workload/expand.js";
import type { ServiceSpec, Workload } from "../workload/schema.js";
import { SessionKeys } from "./auth/session-keys.js";
import { SocketDir } from "./auth/socket-dir.js";
import { DispatcherSet, takesRequests } from "./dispatch/dispatchers.js";
import { readEndpointTokens } from "./dispatch/remote-tokens.js";
import { hostDriver } from "./drivers/host-driver.js";
import { remoteDriver } from "./drivers/remote-driver.js";
import { createFrontToken, type FrontToken, openaiClientEnv } from "./front/auth.js";
import { type HttpFront, requestPathEnv, serviceVariablePrefix, startHttpFront } from "./front/http-front.js";
import { inferenceExecutor, isInferenceTask } from "./inference/executor.js";
import { InferenceProgress } from "./inference/progress.js";

export interface RequestPathOptions {
  workload: Workload;
  /** Directory of the workload file (inference tasks' `requests` are relative to it). */
  workloadDir: string;
  sessionDir: string;
  endpoints: EndpointRegistry;
  emit: (body: EngineEventBody) => void;
  /** Address the HTTP front listens on; loopback by default. */
  frontHost?: string;
  /** Turns the HTTP front's bearer token off. */
  insecure?: boolean;
  /** Where remote endpoints' `token_env` are looked up (flotilla run's environment). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where ipc sockets go when the session directory's path is too long for them ($XDG_RUNTIME_DIR). */
  runtimeDir?: string;
  metricsIntervalMs?: number;
}

/** What `flotilla run` decides about the request path; the engine fills in the rest (RequestPathOptions). */
export type RequestPathSettings = Pick<
  RequestPathOptions,
  "frontHost" | "insecure" | "env" | "runtimeDir" | "metricsIntervalMs"
>;

export class RequestPath implements RequestCapability {
  readonly metrics = new RequestMetrics();
  private readonly progress = new InferenceProgress();
  private readonly profile: RequestProfile;
  private dispatchers: DispatcherSet | undefined;
  private front: HttpFront | undefined;
  private token: FrontToken | undefined;
  private ticker: MetricsTicker | undefined;
  private executor: TaskExecutor | undefined;
  private readonly sockets: SocketDir;
  private keys: SessionKeys | undefined;
  readonly drivers: ServiceDrivers;
  /** Services a running session added after the start. */
  private readonly added: ServiceSpec[] = [];

  constructor(private readonly options: RequestPathOptions) {
    this.profile = new RequestProfile(join(options.sessionDir, "profile"));
    this.sockets = new SocketDir(options.sessionDir, options.runtimeDir);
    this.drivers = {
      host: hostDriver(this.sockets, () => this.sessionKeys()),
      remote: remoteDriver(options.workloadDir),
    };
  }

  /** The session's CURVE keys (auth/session-keys.ts), made at start. */
  private sessionKeys(): SessionKeys {
    this.keys ??= new SessionKeys(this.options.sessionDir);
    return this.keys;
  }

  /** Whether any service takes requests (else start/stop do nothing). */
  get enabled(): boolean {
    return this.services.some(takesRequests);
  }

  private get services(): ServiceSpec[] {
    return [...this.options.workload.services, ...this.added];
  }

  /**
   * Services a running session added (`flotilla submit`): those that take
   * requests get a dispatcher, and the front starts now if it had none yet.
   */
  async addServices(services: ServiceSpec[]): Promise<void> {
    this.added.push(...services);
    if (!this.dispatchers) return this.start();
    for (const service of services) this.dispatchers.add(service);
  }

  /** The HTTP front's address once started. */
  get frontUrl(): string | undefined {
    return this.front?.url;
  }

  /**
   * The request path's driver for instance `instance` of `service` (the first
   * one when not given); undefined for plain command services. The engine
   * chooses through service/drivers.ts; this answers the same.
   */
  driverFor(service: ServiceSpec, instance = 0): InstanceDriver | undefined {
    if (isRemoteInstance(service, instance)) return this.drivers.remote;
    return service.backend === undefined ? undefined : this.drivers.host;
  }

  executorFor(unit: TaskInstance): TaskExecutor | undefined {
    if (!isInferenceTask(unit)) return undefined;
    this.executor ??= inferenceExecutor({
      dispatchers: this.requireDispatchers(),
      workloadDir: this.options.workloadDir,
      sessionDir: this.options.sessionDir,
      log: this.log,
      progress: this.progress,
    });
    return this.executor;
  }

  /**
   * FLOTILLA_SERVICE_<NAME>_HTTP, _ZMQ and (for CURVE endpoints) _ZMQ_KEYS for a
   * task that uses `service`, and the OpenAI client variables with the front's
   * token (only such tasks see it).
   */
  serviceEnv(service: string): Record<string, string> {
    if (!this.dispatchers?.get(service)) return {};
    const base = this.front?.baseUrl(service);
    const env = requestPathEnv(service, base, this.dispatchers.zmqEndpoints(service));
    const keys = this.dispatchers.zmqKeys(service);
    if (Object.keys(keys).length > 0) {
      env[`${serviceVariablePrefix(service)}_ZMQ_KEYS`] = this.sessionKeys().serviceKeysFile(service, keys);
    }
    return { ...env, ...(base === undefined ? {} : openaiClientEnv(base, this.token)) };
  }

  load(service: string): { outstanding: number; instances: number } | undefined {
    return this.dispatchers?.load(service);
  }

  async drain(service: string, instance: number, timeoutMs: number): Promise<"drained" | "timeout" | "absent"> {
    return (await this.dispatchers?.drain(service, instance, timeoutMs)) ?? "absent";
  }

  async start(): Promise<void> {
    if (!this.enabled || this.dispatchers) return;
    const { endpoints, emit } = this.options;
    const host = this.options.frontHost ?? "127.0.0.1";
    const insecure = this.options.insecure === true;
    const tokens = readEndpointTokens(this.services, this.options.workloadDir, this.options.env ?? {});
    // Made before any host starts: hosts on other nodes read theirs from files.
    this.sessionKeys();
    this.dispatchers = new DispatcherSet({
      services: this.services,
      tokens,
      endpoints,
      metrics: this.metrics,
      profile: this.profile,
      log: this.log,
    });
    const dispatchers = this.dispatchers;
    if (!insecure) this.token = createFrontToken(this.options.sessionDir);
    this.front = await startHttpFront({
      host,
      token: this.token?.token ?? false,
      dispatcherFor: (name) => dispatchers.get(name),
    });
    this.ticker = startMetricsTicker(
      this.metrics,
      (event) => emit(this.progress.attach(event)),
      this.options.metricsIntervalMs,
    );
    const auth = this.token ? `bearer token in ${this.token.file}` : "authentication off (--insecure)";
    this.log("info", `OpenAI-compatible HTTP front at ${this.front.url}/services/<name>/v1, ${auth}`, "request-path");
  }

  /** Closes the front and the dispatchers, then emits the final metrics. */
  async stop(): Promise<void> {
    await this.front?.close();
    await this.dispatchers?.close();
    // Requests the close failed settle on the next turn: let them reach the metrics and the profile.
    await new Promise((resolve) => setImmediate(resolve));
    this.ticker?.stop();
    await this.profile.close();
    // The hosts stop after this (their sockets are already unused); a host killed outright
    // cannot remove its own socket file, so the directory goes here.
    this.sockets.remove();
  }

  private readonly log = (level: LogEvent["level"], message: string, subject: string): void => {
    this.options.emit({ type: "log", level, message, subject });
  };

  private requireDispatchers(): DispatcherSet {
    if (!this.dispatchers) throw new Error("the request path was not started");
    return this.dispatchers;
  }
}
