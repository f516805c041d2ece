/**
 * One Dispatcher per service that takes requests (a `backend`, or remote
 * `endpoints`), kept in step with the registry of ready instances: an
 * instance joins its dispatcher when it is published and leaves it when it
 * is withdrawn (failed, restarted, stopped), so requests in flight on it
 * are retried elsewhere.
 */
import type { LogEvent } from "../../events.js";
import type { RequestMetrics } from "../../metrics/collector.js";
import type { RequestProfile } from "../../metrics/profile.js";
import type { EndpointRegistry, PublishedInstance } from "../../service/endpoints.js";
import type { ServiceSpec } from "../../workload/schema.js";
import { type KeysFile, keysEntry } from "../auth/client-keys.js";
import type { InstanceChannel } from "./channel.js";
import { Dispatcher } from "./dispatcher.js";
import { HttpChannel } from "./http-channel.js";
import type { EndpointTokens } from "./remote-tokens.js";
import { ZmqChannel } from "./zmq-channel.js";

export interface DispatcherSetOptions {
  services: ServiceSpec[];
  endpoints: EndpointRegistry;
  metrics: RequestMetrics;
  profile?: RequestProfile;
  log?: (level: LogEvent["level"], message: string, subject: string) => void;
  /** Bearer tokens of remote HTTP endpoints. */
  tokens?: EndpointTokens;
}

/** Services whose instances answer requests. */
export function takesRequests(service: ServiceSpec): boolean {
  return service.backend !== undefined || service.endpoints !== undefined;
}

export class DispatcherSet {
  private readonly dispatchers = new Map<string, Dispatcher>();
  /** The endpoint each dispatcher instance was added with, to notice a restart on a new port. */
  private readonly joined = new Map<string, Map<number, string>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: DispatcherSetOptions) {
    for (const service of options.services) this.add(service);
    this.unsubscribe = options.endpoints.subscribe((service) => this.sync(service));
  }

  /** A dispatcher for `service` if it takes requests (a running session adds services too). */
  add(service: ServiceSpec): void {
    if (!takesRequests(service) || this.dispatchers.has(service.name)) return;
    const { options } = this;
    this.dispatchers.set(
      service.name,
      new Dispatcher({
        service: service.name,
        metrics: options.metrics,
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        requestTimeoutMs: 60_000,
        maxAttempts: 3,
        instanceCapacity: service.max_inflight + service.max_queue,
        maxInflight: service.max_inflight,
        balance: service.balance,
        ...(service.liveness === "off"
          ? {}
          : {
              livenessPeriodMs: service.liveness.every,
              onSuspect: (instance: number, why: string, checkMs?: number) =>
                options.endpoints.suspect(service.name, instance, why, checkMs),
            }),
        ...(options.log === undefined ? {} : { log: options.log }),
      }),
    );
    this.joined.set(service.name, new Map());
    this.sync(service.name);
  }

  get(service: string): Dispatcher | undefined {
    return this.dispatchers.get(service);
  }

  /** The load on `service`'s instances (dispatcher.ts load), or undefined when it takes no requests. */
  load(service: string): { outstanding: number; instances: number } | undefined {
    return this.dispatchers.get(service)?.load();
  }

  /** Drains instance `instance` of `service` (dispatcher.ts drain); "absent" when it has no dispatcher. */
  async drain(service: string, instance: number, timeoutMs: number): Promise<"drained" | "timeout" | "absent"> {
    return (await this.dispatchers.get(service)?.drain(instance, timeoutMs)) ?? "absent";
  }

  /** ZeroMQ endpoints of the ready instances that have one (FLOTILLA_SERVICE_<NAME>_ZMQ). */
  zmqEndpoints(service: string): string[] {
    return this.options.endpoints
      .ready(service)
      .map((entry) => entry.zmq)
      .filter((zmq): zmq is string => zmq !== undefined);
  }

  /** The CURVE keys of those endpoints that need them, by endpoint (FLOTILLA_SERVICE_<NAME>_ZMQ_KEYS). */
  zmqKeys(service: string): KeysFile {
    const file: KeysFile = {};
    for (const entry of this.options.endpoints.ready(service)) {
      if (entry.zmq !== undefined && entry.keys !== undefined) file[entry.zmq] = keysEntry(entry.keys);
    }
    return file;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.all([...this.dispatchers.values()].map((d) => d.close()));
  }

  private sync(service: string): void {
    const dispatcher = this.dispatchers.get(service);
    const joined = this.joined.get(service);
    if (!dispatcher || !joined) return;
    const ready = new Map(this.options.endpoints.ready(service).map((entry) => [entry.instance, entry]));
    for (const [instance, address] of joined) {
      if (ready.get(instance) === undefined || addressOf(ready.get(instance)!) !== address) {
        joined.delete(instance);
        void dispatcher.remove(instance);
      }
    }
    for (const [instance, entry] of ready) {
      if (joined.has(instance)) continue;
      joined.set(instance, addressOf(entry));
      dispatcher.add(instance, this.channelFor(entry, service), entry.remote);
    }
  }

  private channelFor(entry: PublishedInstance, service: string): InstanceChannel {
    // A remote `flotilla serve` may serve under another name: it gets requests without one.
    if (entry.zmq !== undefined) return new ZmqChannel(entry.zmq, entry.remote ? undefined : service, entry.keys);
    const token = entry.remote ? this.options.tokens?.(service, entry.endpoint) : undefined;
    return new HttpChannel(entry.endpoint, token);
  }
}

function addressOf(entry: PublishedInstance): string {
  return entry.zmq ?? entry.endpoint;
}
