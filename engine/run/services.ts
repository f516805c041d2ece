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
import type { LogEvent, ServiceStateEvent } from "../events.js";
import type { Launcher } from "../launch/types.js";
import type { Placement } from "../resources.js";
import type { InstanceDriver } from "../service/driver.js";
import type { EndpointRegistry } from "../service/endpoints.js";
import { ServiceInstance } from "../service/instance.js";
import { instanceCount } from "../workload/expand.js";
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
        const id = `${service.name}.${index}`;
        instances.push(
          new ServiceInstance({
            service,
            instance: index,
            placement,
            launcher: options.launcher,
            driver,
            endpoints: options.endpoints,
            self: options.self,
            sessionDir: options.sessionDir,
            logPaths: options.logPaths(id),
            emit: options.emit,
            ...(options.log === undefined ? {} : { log: options.log }),
            onChange: () => this.changed(service.name),
          }),
        );
      }
      this.byName.set(service.name, instances);
    }
    for (const instances of this.byName.values()) for (const instance of instances) instance.announce();
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
