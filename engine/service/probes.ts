/**
 * Readiness probes (docs/workload.md, "ready"). Each resolves with the
 * endpoint the instance publishes, or rejects when `signal` aborts (the
 * caller bounds it with startup_timeout and the process's exit).
 *
 * - http: GET the path on {host}:{port}; any HTTP response below 500 counts
 *   (a 404 still proves the server is up and answering; 5xx is "loading").
 *   Endpoint: http://{host}:{port}.
 * - tcp:  a TCP connect to {host}:{port} succeeds. Endpoint: tcp://{host}:{port}.
 * - log:  a stdout or stderr line matches the regex. Its first capture group,
 *   when it has one and it matched, is the endpoint (like RADICAL-Pilot's info
 *   pattern); otherwise http://{host}:{port}.
 * - none: ready as soon as the process runs. Endpoint: http://{host}:{port}.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { FlotillaError } from "../errors.js";
import type { ReadySpec } from "../workload/schema.js";
import type { OutputLines } from "./lines.js";

export interface ProbeTarget {
  host: string;
  port: number;
  lines: OutputLines;
}

/** First poll after 50 ms, then 1.5x longer each time, never more than 500 ms apart. */
export const BACKOFF = { firstMs: 50, factor: 1.5, maxMs: 500 } as const;
/** One HTTP or TCP attempt gives up after this long (a hung accept must not stall the loop). */
const ATTEMPT_TIMEOUT_MS = 2_000;

export function defaultEndpoint(target: Pick<ProbeTarget, "host" | "port">): string {
  return `http://${target.host}:${target.port}`;
}

/** Waits until `ready` passes for `target`. `signal` must be bounded (startup_timeout). */
export function waitForProbe(ready: ReadySpec | undefined, target: ProbeTarget, signal: AbortSignal): Promise<string> {
  if (ready === undefined) return Promise.resolve(defaultEndpoint(target));
  if ("http" in ready) {
    const url = `${defaultEndpoint(target)}${ready.http}`;
    return poll((attempt) => httpAnswers(url, attempt), signal).then(() => defaultEndpoint(target));
  }
  if ("tcp" in ready) {
    return poll((attempt) => tcpAccepts(target.host, target.port, attempt), signal).then(
      () => `tcp://${target.host}:${target.port}`,
    );
  }
  return waitForLine(compilePattern(ready.log), target, signal);
}

export function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new FlotillaError("WORKLOAD_INVALID", `ready.log is not a valid regular expression: ${pattern}`, {
      cause: error,
      context: { pattern },
    });
  }
}

/** Repeats `attempt` with backoff until it returns true or `signal` aborts. */
export async function poll(attempt: (signal: AbortSignal) => Promise<boolean>, signal: AbortSignal): Promise<void> {
  let delay: number = BACKOFF.firstMs;
  while (true) {
    signal.throwIfAborted();
    if (await attempt(AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]))) return;
    await sleep(delay, signal);
    delay = Math.min(delay * BACKOFF.factor, BACKOFF.maxMs);
  }
}

/** True when the server answers with a status below 500. Never throws. */
export function httpAnswers(url: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    // agent: false so no keep-alive socket outlives the probe.
    const req = request(url, { method: "GET", agent: false, signal }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** True when a TCP connection to host:port opens. Never throws. */
export function tcpAccepts(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const socket = connect({ host, port, signal });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function waitForLine(pattern: RegExp, target: ProbeTarget, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let unfollow: (() => void) | undefined;
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      // follow() replays the backlog synchronously, before unfollow is assigned.
      queueMicrotask(() => unfollow?.());
      settle();
    };
    const onAbort = () => finish(() => reject(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    unfollow = target.lines.follow((_stream, line) => {
      if (done) return;
      const match = pattern.exec(line);
      if (match) finish(() => resolve(match[1] ?? defaultEndpoint(target)));
    });
    if (done) unfollow();
  });
}

/** Resolves after `ms`, or rejects with the abort reason. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
