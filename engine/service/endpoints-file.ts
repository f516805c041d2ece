/**
 * `<session>/endpoints.json`: where each service's ready instances are now,
 * for clients started outside the workload and for tasks that outlive a
 * restart (their FLOTILLA_SERVICE_* variables were taken when they started).
 * Rewritten atomically (temporary file + rename, 0600) whenever an instance
 * is published or withdrawn, so a reader never sees half a file.
 *
 * It names no secret: CURVE keys and the front's token stay in their own
 * files, and only those files' paths are listed (as the task variables do).
 */
import { join } from "node:path";
import { replacePrivateFileSync } from "../session/private-fs.js";
import { reportWriteFailure } from "../session/write-errors.js";
import type { EndpointRegistry } from "./endpoints.js";

export const ENDPOINTS_FILE = "endpoints.json";
export const ENDPOINTS_FILE_VERSION = 1 as const;

export interface EndpointsFileInstance {
  instance: number;
  node: string;
  endpoint: string;
  zmq?: string;
  remote: boolean;
}

export interface EndpointsFileService {
  /** The HTTP front's OpenAI base URL for the service (FLOTILLA_SERVICE_<NAME>_HTTP). */
  http?: string;
  /** The file holding the front's bearer token (FLOTILLA_FRONT_TOKEN_FILE). */
  token_file?: string;
  /** The CURVE keys file for the `zmq` endpoints that need one (FLOTILLA_SERVICE_<NAME>_ZMQ_KEYS). */
  zmq_keys_file?: string;
  instances: EndpointsFileInstance[];
}

export interface EndpointsFile {
  v: typeof ENDPOINTS_FILE_VERSION;
  session_id: string;
  /** Milliseconds since epoch of this version of the file. */
  updated: number;
  /** True once the session has ended: no instance is left. */
  ended: boolean;
  services: Record<string, EndpointsFileService>;
}

export interface EndpointsFileOptions {
  sessionDir: string;
  sessionId: string;
  services: string[];
  registry: EndpointRegistry;
  /** What a task using the service gets; only the allow-listed, secret-free entries are copied. */
  serviceEnv?: ((service: string) => Record<string, string>) | undefined;
  now?: () => number;
  /** Shortest time between two writes (a burst of changes is written once, at its end). */
  minIntervalMs?: number;
}

const MIN_INTERVAL_MS = 100;

/** Writes the file now and on every change; `end()` writes the last version and stops. */
export function startEndpointsFile(options: EndpointsFileOptions): { end(): void } {
  const path = join(options.sessionDir, ENDPOINTS_FILE);
  let failed = false;
  // The workload's services, and any a running session adds later (flotilla submit).
  const names = new Set(options.services);
  const write = (ended: boolean) => {
    if (failed) return;
    try {
      const snapshot = endpointsSnapshot({ ...options, services: [...names] }, ended);
      replacePrivateFileSync(path, `${JSON.stringify(snapshot, null, 2)}\n`);
    } catch (error) {
      // Reported once; the run stops in order as for any write error in the session.
      failed = true;
      reportWriteFailure(path, error);
    }
  };
  const minIntervalMs = options.minIntervalMs ?? MIN_INTERVAL_MS;
  let writtenAt = performance.now();
  write(false);
  // After the other listeners (the dispatchers) have taken the change in, and at most one
  // write per interval: thousands of instances getting ready must not rewrite it thousands of times.
  let queued = false;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const flush = () => {
    queued = false;
    timer = undefined;
    if (ended) return;
    writtenAt = performance.now();
    write(false);
  };
  const unsubscribe = options.registry.subscribe((service) => {
    names.add(service);
    if (queued) return;
    queued = true;
    const wait = writtenAt + minIntervalMs - performance.now();
    if (wait <= 0) queueMicrotask(flush);
    else timer = setTimeout(flush, wait);
  });
  return {
    end() {
      ended = true;
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe();
      write(true);
    },
  };
}

export function endpointsSnapshot(options: EndpointsFileOptions, ended: boolean): EndpointsFile {
  const services: Record<string, EndpointsFileService> = {};
  for (const name of options.services) {
    // Once ended, the front and its token are gone too.
    const env = ended ? {} : (options.serviceEnv?.(name) ?? {});
    const prefix = `FLOTILLA_SERVICE_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    const http = env[`${prefix}_HTTP`];
    const tokenFile = env.FLOTILLA_FRONT_TOKEN_FILE;
    const keysFile = env[`${prefix}_ZMQ_KEYS`];
    services[name] = {
      ...(http === undefined ? {} : { http }),
      ...(http === undefined || tokenFile === undefined ? {} : { token_file: tokenFile }),
      ...(keysFile === undefined ? {} : { zmq_keys_file: keysFile }),
      // Field by field: a published instance also carries its CURVE keys, which must not be copied.
      instances: ended
        ? []
        : options.registry.ready(name).map((entry) => ({
            instance: entry.instance,
            node: entry.node,
            endpoint: entry.endpoint,
            ...(entry.zmq === undefined ? {} : { zmq: entry.zmq }),
            remote: entry.remote,
          })),
    };
  }
  return {
    v: ENDPOINTS_FILE_VERSION,
    session_id: options.sessionId,
    updated: (options.now ?? Date.now)(),
    ended,
    services,
  };
}
