/**
 * Which service instances are ready right now, and where to reach them. An
 * instance is listed from the moment it is published (the `ready` event's
 * publish_ms ends here) until it fails, restarts or stops. Tasks read it for
 * FLOTILLA_SERVICE_<NAME>_URLS; the dispatcher reads it to route requests.
 */

/** The keys a client needs for a CURVE host (request/auth/client-keys.ts reads and writes them). */
export interface CurveClientKeys {
  /** The host's public key. */
  serverKey: string;
  publicKey: string;
  secretKey: string;
}

export interface PublishedInstance {
  service: string;
  instance: number;
  node: string;
  /** The backend's own endpoint, e.g. http://127.0.0.1:PORT. */
  endpoint: string;
  /** The instance's service-host ZeroMQ endpoint, when it has one. */
  zmq?: string;
  /** CURVE keys for `zmq` (a TCP host with authentication); never put in events. */
  keys?: CurveClientKeys;
  remote: boolean;
}

export type EndpointsListener = (service: string) => void;
/** Told when a user of the instance (the dispatcher) saw it stop answering. */
export type SuspectListener = (why: string, checkMs?: number) => void;

export class EndpointRegistry {
  private readonly byService = new Map<string, Map<number, PublishedInstance>>();
  private readonly listeners = new Set<EndpointsListener>();
  private readonly watchers = new Map<string, SuspectListener>();

  publish(entry: PublishedInstance): void {
    let instances = this.byService.get(entry.service);
    if (!instances) {
      instances = new Map();
      this.byService.set(entry.service, instances);
    }
    instances.set(entry.instance, entry);
    this.notify(entry.service);
  }

  withdraw(service: string, instance: number): void {
    if (this.byService.get(service)?.delete(instance)) this.notify(service);
  }

  /** Ready instances of `service`, by instance index. */
  ready(service: string): PublishedInstance[] {
    return [...(this.byService.get(service)?.values() ?? [])].sort((a, b) => a.instance - b.instance);
  }

  /** Endpoints of the ready instances, by instance index. */
  urls(service: string): string[] {
    return this.ready(service).map((entry) => entry.endpoint);
  }

  /** Called with the service name whenever its ready set changes. */
  subscribe(listener: EndpointsListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Reports that instance `instance` of `service` stopped answering (requests
   * time out, or it is silent with requests in flight). Its liveness check,
   * when it has one, runs at once instead of on its schedule, given at most
   * `checkMs` (never more than its own timeout).
   */
  suspect(service: string, instance: number, why: string, checkMs?: number): void {
    this.watchers.get(`${service}\0${instance}`)?.(why, checkMs);
  }

  /** Receives suspect() reports about one instance (one watcher each: the instance itself). */
  watch(service: string, instance: number, listener: SuspectListener): () => void {
    const key = `${service}\0${instance}`;
    this.watchers.set(key, listener);
    return () => {
      if (this.watchers.get(key) === listener) this.watchers.delete(key);
    };
  }

  private notify(service: string): void {
    for (const listener of [...this.listeners]) listener(service);
  }
}

/** FLOTILLA_SERVICE_<NAME>_URLS: the name uppercased, every character outside [A-Z0-9_] as "_". */
export function serviceUrlsVariable(service: string): string {
  return `FLOTILLA_SERVICE_${service.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}_URLS`;
}
