/**
 * Request metrics for every service: counters, in-flight, queue depth and a
 * latency histogram per component, per service and per instance. Recording
 * is a few integer adds and four histogram records (the instance's; the
 * service's histograms are merged from them at snapshot time), so it can sit
 * on the hot path of every request; `snapshot` builds the `metrics` event body.
 */
import type { InstanceMetrics, MetricsEvent, ServiceMetrics } from "../events.js";
import { ComponentHistograms, type RequestTiming } from "./histogram.js";

class InstanceStats {
  completed = 0;
  errors = 0;
  inflight = 0;
  /** Queue depth the instance reported (service host status), when it did. */
  reportedQueueDepth: number | undefined;
  /** Requests it works on at once: what it holds beyond that waits in its queue. */
  maxInflight = Number.POSITIVE_INFINITY;
  readonly latency = new ComponentHistograms();

  constructor(
    readonly instance: number,
    public endpoint: string,
  ) {}

  get queueDepth(): number {
    return this.reportedQueueDepth ?? Math.max(0, this.inflight - this.maxInflight);
  }

  view(): InstanceMetrics {
    return {
      instance: this.instance,
      endpoint: this.endpoint,
      completed: this.completed,
      errors: this.errors,
      inflight: this.inflight,
      queue_depth: this.queueDepth,
      latency: this.latency.summary(),
    };
  }
}

class ServiceStats {
  completed = 0;
  errors = 0;
  retries = 0;
  rejected = 0;
  /** Requests accepted by a dispatcher but not yet sent to an instance. */
  waiting = 0;
  readonly latency = new ComponentHistograms();
  readonly instances = new Map<number, InstanceStats>();
  /** For `rate`: completed count and time at the previous snapshot. */
  lastCompleted = 0;
  lastAt: number;

  constructor(
    readonly name: string,
    now: number,
  ) {
    this.lastAt = now;
  }

  instance(index: number, endpoint = ""): InstanceStats {
    let stats = this.instances.get(index);
    if (!stats) {
      stats = new InstanceStats(index, endpoint);
      this.instances.set(index, stats);
    } else if (endpoint && !stats.endpoint) {
      stats.endpoint = endpoint;
    }
    return stats;
  }
}

export class RequestMetrics {
  private readonly services = new Map<string, ServiceStats>();
  /** Bumped on every recorded change, so a ticker can tell whether requests flowed. */
  private version = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Declares an instance so it shows in snapshots before its first request. */
  addInstance(service: string, instance: number, endpoint: string, maxInflight?: number): void {
    // Not a change worth a metrics event on its own: those report requests flowing.
    const stats = this.service(service).instance(instance, endpoint);
    if (maxInflight !== undefined) stats.maxInflight = maxInflight;
  }

  /** An attempt was sent to an instance. */
  started(service: string, instance: number): void {
    this.service(service).instance(instance).inflight++;
    this.version++;
  }

  /** An attempt got its reply. */
  succeeded(service: string, instance: number, timing: RequestTiming): void {
    const stats = this.service(service);
    const inst = stats.instance(instance);
    inst.inflight = Math.max(0, inst.inflight - 1);
    inst.completed++;
    inst.latency.record(timing);
    stats.completed++;
    this.version++;
  }

  /** An attempt failed on an instance (it may be retried elsewhere). */
  attemptFailed(service: string, instance: number): void {
    const inst = this.service(service).instance(instance);
    inst.inflight = Math.max(0, inst.inflight - 1);
    inst.errors++;
    this.version++;
  }

  retried(service: string): void {
    this.service(service).retries++;
    this.version++;
  }

  /** A request ended with an error after all its attempts. */
  failed(service: string): void {
    this.service(service).errors++;
    this.version++;
  }

  /** A request was refused because every instance's queue was full. */
  rejected(service: string): void {
    const stats = this.service(service);
    stats.rejected++;
    stats.errors++;
    this.version++;
  }

  setWaiting(service: string, waiting: number): void {
    this.service(service).waiting = waiting;
    this.version++;
  }

  setQueueDepth(service: string, instance: number, depth: number): void {
    this.service(service).instance(instance).reportedQueueDepth = depth;
    this.version++;
  }

  /** A counter that changes whenever anything is recorded. */
  get changes(): number {
    return this.version;
  }

  /** The `metrics` event body. Resets the interval used for `rate`. */
  snapshot(final: boolean): MetricsEvent {
    const now = this.now();
    const services: ServiceMetrics[] = [];
    for (const stats of this.services.values()) {
      const elapsedS = (now - stats.lastAt) / 1_000;
      const rate = elapsedS > 0 ? (stats.completed - stats.lastCompleted) / elapsedS : 0;
      stats.lastCompleted = stats.completed;
      stats.lastAt = now;
      const all = [...stats.instances.values()].sort((a, b) => a.instance - b.instance);
      stats.latency.mergeFrom(all.map((i) => i.latency));
      const instances = all.map((i) => i.view());
      services.push({
        service: stats.name,
        completed: stats.completed,
        errors: stats.errors,
        retries: stats.retries,
        rejected: stats.rejected,
        rate: Math.round(rate * 10) / 10,
        inflight: instances.reduce((sum, i) => sum + i.inflight, 0),
        queue_depth: stats.waiting + instances.reduce((sum, i) => sum + i.queue_depth, 0),
        latency: stats.latency.summary(),
        instances,
      });
    }
    return { type: "metrics", final, services };
  }

  hasServices(): boolean {
    return this.services.size > 0;
  }

  private service(name: string): ServiceStats {
    let stats = this.services.get(name);
    if (!stats) {
      stats = new ServiceStats(name, this.now());
      this.services.set(name, stats);
    }
    return stats;
  }
}
