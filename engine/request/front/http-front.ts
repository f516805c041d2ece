/**
 * The OpenAI-compatible HTTP front the engine serves for every service with
 * a backend: `http://HOST:PORT/services/<name>/v1/...`. Each request is
 * balanced over the service's instances through its Dispatcher (ZeroMQ to
 * service hosts, HTTP to remote OpenAI servers). Anything under /v1/ is
 * passed on as it is; errors come back in OpenAI's error shape. Every
 * request must carry the run's bearer token unless authentication was
 * turned off (--insecure); limits on time and connections are in
 * limits.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChannelRequest } from "../dispatch/channel.js";
import type { Dispatcher, DispatchResult } from "../dispatch/dispatcher.js";
import { bearerMatches } from "./auth.js";
import { applyLimits, DEFAULT_FRONT_LIMITS, type HttpFrontLimits, serverTimeouts } from "./limits.js";
import { EVENT_STREAM_HEADERS, writeAsEventStream } from "./stream.js";

export interface HttpFrontOptions {
  /** Address to listen on; loopback by default. */
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** The dispatcher of a service, by name. */
  dispatcherFor: (service: string) => Dispatcher | undefined;
  /** The token every request must send as `Authorization: Bearer`; false turns authentication off. */
  token: string | false;
  /** Largest request body accepted. */
  maxBodyBytes?: number;
  /** Timeouts and the connection cap; each defaults to DEFAULT_FRONT_LIMITS. */
  limits?: Partial<HttpFrontLimits>;
}

export interface HttpFront {
  /** http://HOST:PORT */
  readonly url: string;
  readonly port: number;
  /** The OpenAI base URL of one service: http://HOST:PORT/services/<name>/v1 */
  baseUrl(service: string): string;
  close(): Promise<void>;
}

const ROUTE = /^\/services\/([A-Za-z][A-Za-z0-9_-]*)(\/v1(?:\/[^?]*)?)(?:\?.*)?$/;

export async function startHttpFront(options: HttpFrontOptions): Promise<HttpFront> {
  const host = options.host ?? "127.0.0.1";
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const limits = { ...DEFAULT_FRONT_LIMITS, ...options.limits };
  let sequence = 0;
  const server: Server = createServer(serverTimeouts(limits), (req, res) => {
    if (options.token !== false && !bearerMatches(req.headers.authorization, options.token)) {
      return unauthorized(res, req.headers.authorization === undefined);
    }
    handle(req, res, options.dispatcherFor, maxBody, sequence++).catch((error: unknown) => {
      // A client that vanished mid-body, or a bug: answer if still possible, never crash the engine.
      if (!res.headersSent) fail(res, 500, "internal", error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  });
  applyLimits(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    baseUrl: (service) => `${url}/services/${service}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  dispatcherFor: HttpFrontOptions["dispatcherFor"],
  maxBody: number,
  index: number,
): Promise<void> {
  const match = ROUTE.exec(req.url ?? "");
  if (!match) return fail(res, 404, "not_found", `no route for ${req.url}; use /services/<name>/v1/...`);
  const [, service = "", path = "/v1"] = match;
  const dispatcher = dispatcherFor(service);
  if (!dispatcher)
    return fail(res, 404, "service_not_found", `no service named ${JSON.stringify(service)} with a backend`);
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("allow", "GET, POST");
    return fail(res, 405, "method_not_allowed", `${req.method} is not supported; use GET or POST`);
  }
  let body: unknown;
  if (req.method === "POST") {
    const text = await readBody(req, maxBody);
    if (text === undefined) return fail(res, 413, "request_too_large", `request body exceeds ${maxBody} bytes`);
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      return fail(res, 400, "invalid_json", "request body is not valid JSON");
    }
    if (!isObject(body)) {
      return fail(res, 400, "invalid_body", `request body must be a JSON object, not ${describe(body)}`);
    }
  }
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  const request: ChannelRequest = { method: req.method, path };
  if (body !== undefined) request.body = body;
  // Streaming: the backend's event stream is passed on piece by piece as it comes.
  const stream = isObject(body) && body.stream === true;
  let streaming = false;
  if (stream) {
    request.onPiece = (piece) => {
      if (aborted.signal.aborted) return;
      if (!streaming) {
        streaming = true;
        res.writeHead(200, EVENT_STREAM_HEADERS);
      }
      res.write(piece);
    };
  }
  const result = await dispatcher.dispatch(request, { source: "http", index, signal: aborted.signal });
  if (aborted.signal.aborted) return;
  if (streaming) return endStream(res, result);
  setTimingHeaders(res, result);
  if (result.status === "ok") {
    // A backend that answered whole (noop, or one that does not stream): sent as an event stream.
    if (stream) return writeAsEventStream(res, path, result.response);
    return sendJson(res, result.http_status ?? 200, result.response);
  }
  if (result.error_kind === "backend" && result.http_status !== undefined && result.response !== undefined) {
    return sendJson(res, result.http_status, result.response);
  }
  return fail(res, statusOf(result), result.error_kind ?? "error", result.error ?? "request failed");
}

/** The end of a streamed reply; a failure after the first piece can only be told in the stream itself. */
function endStream(res: ServerResponse, result: DispatchResult): void {
  if (result.status === "error") {
    const error = {
      message: result.error ?? "request failed",
      type: "server_error",
      code: result.error_kind ?? "error",
    };
    res.write(`data: ${JSON.stringify({ error })}\n\n`);
  }
  res.end();
}

function statusOf(result: DispatchResult): number {
  switch (result.error_kind) {
    case "rejected":
      return 429;
    case "timeout":
      return 504;
    case "unavailable":
    case "canceled":
      return 503;
    default:
      return result.http_status ?? 502;
  }
}

function setTimingHeaders(res: ServerResponse, result: DispatchResult): void {
  if (result.instance !== undefined) res.setHeader("x-flotilla-instance", String(result.instance));
  res.setHeader("x-flotilla-attempts", String(result.attempts));
  const timing = result.timing;
  if (timing) {
    res.setHeader(
      "server-timing",
      `communication;dur=${timing.communication_ms.toFixed(3)}, service;dur=${timing.service_ms.toFixed(3)}, inference;dur=${timing.inference_ms.toFixed(3)}, total;dur=${timing.total_ms.toFixed(3)}`,
    );
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body ?? null);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  const type = status < 500 ? "invalid_request_error" : "server_error";
  sendJson(res, status, { error: { message, type, code, param: null } });
}

/** OpenAI's answer to a missing or wrong API key; the connection is closed so an unread body is not waited for. */
function unauthorized(res: ServerResponse, missing: boolean): void {
  res.setHeader("www-authenticate", 'Bearer realm="flotilla"');
  res.setHeader("connection", "close");
  const message = missing
    ? "missing API key: send Authorization: Bearer <token> (tasks have it in OPENAI_API_KEY)"
    : "invalid API key for this run's HTTP front";
  sendJson(res, 401, { error: { message, type: "invalid_request_error", code: "invalid_api_key", param: null } });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the 413 still reaches the client.
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Environment for a task that `uses` a service: the HTTP front's base URL and the ZeroMQ endpoints. */
/** FLOTILLA_SERVICE_<NAME>: the name uppercased, anything outside [A-Z0-9] as "_". */
export function serviceVariablePrefix(service: string): string {
  return `FLOTILLA_SERVICE_${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

export function requestPathEnv(
  service: string,
  httpBaseUrl: string | undefined,
  zmq: string[],
): Record<string, string> {
  const key = serviceVariablePrefix(service);
  const env: Record<string, string> = {};
  if (httpBaseUrl !== undefined) env[`${key}_HTTP`] = httpBaseUrl;
  if (zmq.length > 0) env[`${key}_ZMQ`] = zmq.join(",");
  return env;
}
