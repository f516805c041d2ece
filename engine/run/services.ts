/**
 * Every service instance of a run: placed first (before any task), started
 * all at once, watched for availability, stopped at teardown.
 *
 * A service is *available* to tasks once every one of its instances has been
 * ready (all replicas up, the start-up contract) and while at least one is
 * ready now; FLOTILLA_SERVICE_<NAME>_URLS then lists the ready ones. It is
 * *lost* when every instance has failed for good (no restarts left): tasks
 * still waiting for it then fail instead of waiting forever.
 *
 * A running service changes size (`flotilla scale`, the autoscaler): new
 * instances take the same path as the first ones (placed, announced,
 * started, published); a surplus one is drained first (no new request, its
 * requests in flight finish, at most `drain_timeout`), then stopped, and its
 * cores and GPUs go back to the pool.
 */
import { FlotillaError } from "../errors.js";
import type { LogEvent, ScaleLoad, ServiceScaleEvent, ServiceStateEvent } from "../events.js";
import type { Launcher } from "../launch/types.js";
import type { Placement } from "../resources.js";
import type { InstanceDriver } from "../service/driver.js";
import type { EndpointRegistry } from "../service/endpoints.js";
import { ServiceInstance } from "../service/instance.js";
import type { Stager } from "../staging/stager.js";
import { instanceCount, launchedReplicas } from "../workload/expand.js";
import { AUTOSCALE_DEFAULTS, type ServiceSpec } from "../workload/schema.js";

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
  emit(event: ServiceStateEvent | ServiceScaleEvent): void;
  /** Hang recovery's steps that are not state changes (failed checks, kills). */
  log?(level: LogEvent["level"], message: string, subject: string): void;
  /** Any instance changed state. */
  onChange(): void;
  /** Gives a stopped instance's cores and GPUs back (a running session scaling down). */
  release?(placement: Placement): void;
  /** Cores and GPUs for one more instance of a growing service, or undefined when none are free. */
  tryPlace?(service: ServiceSpec): Placement | undefined;
  /** Stops sending requests to an instance and waits until its requests in flight end (at most `timeoutMs`). */
  drain?(service: string, instance: number, timeoutMs: number): Promise<"drained" | "timeout" | "absent">;
  /** The service's load now, for `service:scale` events. */
  measure?(service: ServiceSpec): ScaleLoad;
  /** Workdirs and inputs of instances (docs/workload.md, "Data staging"). */
  staging?: Stager;
}

export interface ScaleView {
  /** Launched instances that are not draining. */
  count: number;
  /** Of those, not ready yet (pending, launching, initializing). */
  starting: number;
  draining: number;
}

const REMOTE_PLACEMENT: Placement = { node: "remote", cores: [], gpus: [], slots: [] };

export class ServiceSet {
  private readonly byName = new Map<string, ServiceInstance[]>();
  private readonly everReady = new Set<string>();
  private readonly specs = new Map<string, ServiceSpec>();
  private readonly placements = new Map<ServiceInstance, Placement>();
  private readonly failedToStart = new Set<string>();
  /** Instances the autoscaler added (retired when they fail for good). */
  private readonly added = new Set<ServiceInstance>();
  /** When (performance.now()) an added instance last failed for good, by service. */
  private readonly retiredAt = new Map<string, number>();
  /** Services `flotilla scale` took over: the autoscaler leaves them alone. */
  private readonly manual = new Set<string>();
  /** Instances being drained, by service (out of `byName`, not yet stopped). */
  private readonly draining = new Map<string, ServiceInstance[]>();

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

  /** Every service's definition, in the order they were added. */
  get specList(): ServiceSpec[] {
    return [...this.specs.values()];
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
   * Sets the number of launched instances of a service (`flotilla scale`):
   * new ones are placed (all or none) and started; surplus ones, the highest
   * first, are drained, stopped and their cores and GPUs freed. An autoscaled
   * service keeps the count it is given: its autoscaling is off from then on.
   * Returns the instances started and stopped.
   */
  async scale(
    name: string,
    replicas: number,
    signal: AbortSignal,
    graceMs?: number,
  ): Promise<{ added: number; removed: number; autoscale_off?: true }> {
    const instances = this.byName.get(name);
    const spec = this.specs.get(name);
    if (instances === undefined || spec === undefined) {
      throw new FlotillaError("USAGE", `no service ${name} in this session`);
    }
    if (spec.endpoints !== undefined) {
      throw new FlotillaError("USAGE", `service ${name} has remote endpoints; only launched services can be scaled`);
    }
    const from = instances.length;
    const load = this.measure(spec);
    const autoscaleOff =
      spec.autoscale !== undefined && !this.manual.has(name) ? ({ autoscale_off: true } as const) : {};
    this.manual.add(name);
    if (replicas > from) {
      const next = this.nextIndex(name);
      const fresh = this.placeMore(spec, next, next + replicas - from);
      this.emitScale({
        service: name,
        from,
        to: replicas,
        reason: "manual",
        load,
        instances: fresh.map((i) => i.index),
      });
      for (const instance of fresh) instance.announce();
      instances.push(...fresh);
      this.startMore(name, fresh, signal);
      return { added: fresh.length, removed: 0, ...autoscaleOff };
    }
    if (replicas === from) return { added: 0, removed: 0, ...autoscaleOff };
    const { indexes, done } = this.shrink(spec, from - replicas, graceMs);
    this.emitScale({ service: name, from, to: replicas, reason: "manual", load, instances: indexes });
    await done;
    return { added: 0, removed: indexes.length, ...autoscaleOff };
  }

  /** `flotilla scale` took over this service: the autoscaler leaves it alone. */
  isManual(name: string): boolean {
    return this.manual.has(name);
  }

  scaleView(name: string): ScaleView {
    const instances = this.byName.get(name) ?? [];
    const starting = instances.filter((i) => i.state !== "ready" && i.state !== "failed" && i.state !== "stopped");
    return { count: instances.length, starting: starting.length, draining: this.drainingOf(name).length };
  }

  /**
   * Adds up to `count` instances of an autoscaled service, each on cores and
   * GPUs free now (as many as fit), and starts them. Returns their indexes.
   * One that fails for good is not fatal: it is retired (retire()).
   */
  grow(name: string, count: number, signal: AbortSignal): number[] {
    const instances = this.byName.get(name);
    const spec = this.specs.get(name);
    const tryPlace = this.options.tryPlace;
    if (instances === undefined || spec === undefined || tryPlace === undefined) return [];
    const fresh: ServiceInstance[] = [];
    for (let k = 0; k < count; k++) {
      const placement = tryPlace(spec);
      if (placement === undefined) break;
      const index = this.nextIndex(name) + fresh.length;
      fresh.push(this.build(spec, index, this.options.driverFor(spec, index), placement));
    }
    for (const instance of fresh) instance.announce();
    instances.push(...fresh);
    for (const instance of fresh) {
      this.added.add(instance);
      // Its failed event says why; changed() retires it once it has given up.
      instance.start(signal).catch(() => this.changed(name));
    }
    return fresh.map((i) => i.index);
  }

  /**
   * Drains and stops the `count` highest instances of a service, in the
   * background. Returns their indexes at once, and `done` when all are stopped.
   */
  shrink(spec: ServiceSpec, count: number, graceMs?: number): { indexes: number[]; done: Promise<void> } {
    const name = spec.name;
    const instances = this.byName.get(name) ?? [];
    const surplus = instances.splice(Math.max(0, instances.length - count)).reverse();
    const drainMs = spec.autoscale?.drain_timeout ?? AUTOSCALE_DEFAULTS.drain_timeout;
    const draining = this.drainingOf(name);
    draining.push(...surplus);
    const done = Promise.all(
      surplus.map(async (instance) => {
        const id = `${name}.${instance.index}`;
        const drained = (await this.options.drain?.(name, instance.index, drainMs)) ?? "absent";
        if (drained === "timeout") {
          this.options.log?.(
            "warn",
            `${id} still had requests after the drain timeout (${drainMs} ms); stopping it, they are retried on other instances`,
            id,
          );
        }
        await instance.stop(graceMs);
        this.added.delete(instance);
        this.forget(instance);
        draining.splice(draining.indexOf(instance), 1);
        this.options.onChange();
      }),
    ).then(() => undefined);
    this.options.onChange();
    return { indexes: surplus.map((i) => i.index), done };
  }

  /** Cores and GPUs that autoscaled instances above their `min` hold (draining ones too): what scale-up borrowed. */
  borrowed(): Placement[] {
    const held: Placement[] = [];
    for (const [name, instances] of this.byName) {
      const spec = this.specs.get(name);
      if (spec?.autoscale === undefined) continue;
      for (const instance of [...instances, ...this.drainingOf(name)]) {
        const placement = this.placements.get(instance);
        if (placement !== undefined && instance.index >= spec.autoscale.min) held.push(placement);
      }
    }
    return held;
  }

  /** Emits one `service:scale` event (an empty `instances` is left out). */
  emitScale(event: Omit<ServiceScaleEvent, "type">): void {
    const { instances, ...rest } = event;
    const autoscale = event.reason === "manual" ? undefined : this.specs.get(event.service)?.autoscale;
    this.options.emit({
      type: "service:scale",
      ...rest,
      ...(instances?.length ? { instances } : {}),
      ...(autoscale === undefined ? {} : { min: autoscale.min, max: autoscale.max }),
    });
  }

  private measure(spec: ServiceSpec): ScaleLoad {
    const target = spec.autoscale?.target_outstanding ?? 0;
    return this.options.measure?.(spec) ?? { outstanding: 0, instances: 0, per_instance: 0, target };
  }

  /** The index the next new instance gets: above every instance still running or draining. */
  private nextIndex(name: string): number {
    const all = [...(this.byName.get(name) ?? []), ...this.drainingOf(name)];
    return all.reduce((next, instance) => Math.max(next, instance.index + 1), 0);
  }

  private drainingOf(name: string): ServiceInstance[] {
    let list = this.draining.get(name);
    if (list === undefined) {
      list = [];
      this.draining.set(name, list);
    }
    return list;
  }

  /**
   * An instance autoscaling added that failed for good (did not start, or
   * exited with no restart left) leaves the service, and its cores and GPUs
   * the run, so the rule may try again elsewhere. Not fatal to the run.
   */
  private retire(name: string, instance: ServiceInstance): void {
    this.added.delete(instance);
    this.retiredAt.set(name, performance.now());
    const list = this.byName.get(name) ?? [];
    list.splice(list.indexOf(instance), 1);
    const id = `${name}.${instance.index}`;
    this.options.log?.("warn", `${id} added by autoscaling failed; its cores and GPUs are free again`, id);
    void instance.stop().finally(() => {
      this.forget(instance);
      this.options.onChange();
    });
  }

  /** When (performance.now()) an instance autoscaling added last failed for good, by service. */
  lastRetired(name: string): number | undefined {
    return this.retiredAt.get(name);
  }

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

  /** Stops every instance concurrently (SIGTERM, grace, SIGKILL), draining ones too. */
  async stopAll(graceMs?: number): Promise<void> {
    const draining = [...this.draining.values()].flat();
    await Promise.all([...this.instances, ...draining].map((instance) => instance.stop(graceMs)));
  }

  private changed(service: string): void {
    const instances = this.byName.get(service) ?? [];
    for (const instance of instances.filter((i) => i.gaveUp && this.added.has(i))) this.retire(service, instance);
    if (!this.everReady.has(service) && instances.every((instance) => instance.state === "ready")) {
      this.everReady.add(service);
    }
    this.options.onChange();
  }
}
