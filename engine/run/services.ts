/**
 * Every service instance of a run: placed first (before any task), started
 * all at once, watched for availability, stopped at teardown.
 *
 * A service is *available* to tasks once every one of its instances has been
 * ready (all replicas up, the start-up contract) and while at least one is
 * ready now; FLOTILLA_SERVICE_<NAME>_URLS then lists the ready ones. It is
 * *lost* when every instance has failed for good (no restarts left): tasks
 * still waiting for it then fail instead of waiting forever.
 */
import { FlotillaError } from "../errors.js";
import type { LogEvent, ServiceStateEvent } from "../events.js";
import type { Launcher } from "../launch/types.js";
import type { Placement } from "../resources.js";
import type { InstanceDriver } from "../service/driver.js";
import type { EndpointRegistry } from "../service/endpoints.js";
import { ServiceInstance } from "../service/instance.js";
import type { Stager } from "../staging/stager.js";
import { instanceCount, launchedReplicas } from "../workload/expand.js";
import type { ServiceSpec } from "../workload/schema.js";

export interface ServiceSetOptions {
  services: ServiceSpec[];
  /** Placement of instance `index` of `service` (the engine's pool decides). */
  place(service: ServiceSpec, index: number): Placement;
  /** The driver of instance `instance` (launched replicas first, then remote `endpoints`). */
  driverFor(service: ServiceSpec, instance: number): InstanceDriver;
  launcher: Launcher;
  endpoints: EndpointRegistry;
  self: string[];
  sessionDir: string;
  logPaths(id: string): { stdout: string; stderr: string };
  emit(event: ServiceStateEvent): void;
  /** Hang recovery's steps that are not state changes (failed checks, kills). */
  log?(level: LogEvent["level"], message: string, subject: string): void;
  /** Any instance changed state. */
  onChange(): void;
  /** Gives a stopped instance's cores and GPUs back (a running session scaling down). */
  release?(placement: Placement): void;
  /** Workdirs and inputs of instances (docs/workload.md, "Data staging"). */
  staging?: Stager;
}

const REMOTE_PLACEMENT: Placement = { node: "remote", cores: [], gpus: [], slots: [] };

export class ServiceSet {
  private readonly byName = new Map<string, ServiceInstance[]>();
  private readonly everReady = new Set<string>();

  /** Places every instance (throws what `place` throws) and emits `pending` for each. */
  constructor(private readonly options: ServiceSetOptions) {
    for (const service of options.services) {
      const instances: ServiceInstance[] = [];
      // Remote instances (already running elsewhere) take no cores or GPUs here. A service
      // may have both: its launched replicas come first, then one instance per endpoint.
      const count = instanceCount(service);
      for (let index = 0; index < count; index++) {
        const driver = options.driverFor(service, index);
        const placement = driver.remote ? REMOTE_PLACEMENT : options.place(service, index);
        instances.push(this.build(service, index, driver, placement));
      }
      this.byName.set(service.name, instances);
    }
    for (const instances of this.byName.values()) for (const instance of instances) instance.announce();
  }

  private build(service: ServiceSpec, index: number, driver: InstanceDriver, placement: Placement): ServiceInstance {
    const { options } = this;
    this.specs.set(service.name, service);
    const instance = new ServiceInstance({
      service,
      instance: index,
      placement,
      launcher: options.launcher,
      driver,
      endpoints: options.endpoints,
      self: options.self,
      sessionDir: options.sessionDir,
      logPaths: options.logPaths(`${service.name}.${index}`),
      emit: options.emit,
      ...(options.log === undefined ? {} : { log: options.log }),
      onChange: () => this.changed(service.name),
      ...(options.staging === undefined ? {} : { staging: options.staging }),
    });
    if (!driver.remote) this.placements.set(instance, placement);
    return instance;
  }

  /** Service names, in the order they were added. */
  get names(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * A running session adds services (`flotilla submit` of `services:`): every
   * instance of every one is placed first (throws, placing nothing, when one
   * does not fit), then they start in the background. Failing to start is not
   * fatal here: the service is lost, and tasks that wait for it fail.
   */
  add(services: readonly ServiceSpec[], signal: AbortSignal): void {
    for (const service of services) {
      if (this.byName.has(service.name)) {
        throw new FlotillaError("USAGE", `the session already has a service named ${service.name}`);
      }
    }
    const placed: Array<[ServiceSpec, ServiceInstance[]]> = [];
    try {
      for (const service of services) placed.push([service, this.placeMore(service, 0, launchedReplicas(service))]);
    } catch (error) {
      for (const [, instances] of placed) for (const instance of instances) this.forget(instance);
      throw error;
    }
    for (const [service, instances] of placed) {
      this.specs.set(service.name, service);
      this.byName.set(service.name, instances);
      for (const instance of instances) instance.announce();
      this.startMore(service.name, instances, signal);
    }
  }

  /**
   * Sets the number of launched instances of a service: new ones are placed
   * (all or none) and started; surplus ones, the highest first, are stopped
   * and their cores and GPUs freed. Returns the instances started and stopped.
   */
  async scale(
    name: string,
    replicas: number,
    signal: AbortSignal,
    graceMs?: number,
  ): Promise<{ added: number; removed: number }> {
    const instances = this.byName.get(name);
    if (instances === undefined) throw new FlotillaError("USAGE", `no service ${name} in this session`);
    const spec = this.specs.get(name);
    if (spec === undefined) throw new FlotillaError("USAGE", `no service ${name} in this session`);
    if (spec.endpoints !== undefined) {
      throw new FlotillaError("USAGE", `service ${name} has remote endpoints; only launched services can be scaled`);
    }
    if (replicas > instances.length) {
      const fresh = this.placeMore(spec, instances.length, replicas);
      for (const instance of fresh) instance.announce();
      instances.push(...fresh);
      this.startMore(name, fresh, signal);
      return { added: fresh.length, removed: 0 };
    }
    const surplus = instances.splice(replicas);
    await Promise.all(
      surplus.map(async (instance) => {
        await instance.stop(graceMs);
        this.forget(instance);
      }),
    );
    this.options.onChange();
    return { added: 0, removed: surplus.length };
  }

  private readonly specs = new Map<string, ServiceSpec>();
  private readonly placements = new Map<ServiceInstance, Placement>();
  private readonly failedToStart = new Set<string>();

  /** Places instances `from`..`to`-1 (all or none; emits nothing yet). */
  private placeMore(service: ServiceSpec, from: number, to: number): ServiceInstance[] {
    const placed: ServiceInstance[] = [];
    try {
      for (let index = from; index < to; index++) {
        const placement = this.options.place(service, index);
        placed.push(this.build(service, index, this.options.driverFor(service, index), placement));
      }
    } catch (error) {
      for (const instance of placed) this.forget(instance);
      throw error;
    }
    return placed;
  }

  /** Gives a stopped (or never started) instance's cores and GPUs back. */
  private forget(instance: ServiceInstance): void {
    const placement = this.placements.get(instance);
    this.placements.delete(instance);
    if (placement !== undefined) this.options.release?.(placement);
  }

  private startMore(name: string, fresh: ServiceInstance[], signal: AbortSignal): void {
    for (const instance of fresh) {
      instance.start(signal).catch(() => {
        // Its failed event says why; tasks waiting for the service must not wait forever.
        if (!signal.aborted) this.failedToStart.add(name);
        this.options.onChange();
      });
    }
  }

  get instances(): ServiceInstance[] {
    return [...this.byName.values()].flat();
  }

  /**
   * Starts every instance concurrently. Resolves when all are ready; rejects
   * with the first start-up failure (the others are left to teardown).
   */
  async startAll(signal: AbortSignal): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.start(signal)));
  }

  available(service: string): boolean {
    return this.everReady.has(service) && this.options.endpoints.ready(service).length > 0;
  }

  /** It was up, and now every instance has failed with no restart left. (Failing to start is fatal instead.) */
  lost(service: string): boolean {
    const instances = this.byName.get(service) ?? [];
    if (this.failedToStart.has(service) && !this.everReady.has(service)) return true;
    return this.everReady.has(service) && instances.every((instance) => instance.gaveUp);
  }

  /** Every service that has instances is lost: nothing will serve any more. */
  allLost(): boolean {
    const names = [...this.byName.keys()].filter((name) => (this.byName.get(name)?.length ?? 0) > 0);
    return names.length > 0 && names.every((name) => this.lost(name));
  }

  urls(service: string): string[] {
    return this.options.endpoints.urls(service);
  }

  /** Stops every instance concurrently (SIGTERM, grace, SIGKILL). */
  async stopAll(graceMs?: number): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.stop(graceMs)));
  }

  private changed(service: string): void {
    const instances = this.byName.get(service) ?? [];
    if (!this.everReady.has(service) && instances.every((instance) => instance.state === "ready")) {
      this.everReady.add(service);
    }
    this.options.onChange();
  }
}
