/**
 * The openai backend: forwards the payload over HTTP (keep-alive) to an
 * OpenAI-compatible server and answers with its body. HTTP errors become
 * `backend_error` replies carrying the status and body; a refused or reset
 * connection becomes `backend_unreachable` (retryable elsewhere). When the
 * client streams and the backend answers with an event stream, the body is
 * handed on piece by piece as it arrives.
 */
import { Agent, request } from "node:http";
import { DEFAULT_PATH, isEventStream } from "../wire/protocol.js";
import type { Backend, BackendResult, Job } from "./backend.js";
import { hostNow } from "./clock.js";

export interface OpenAiBackendOptions {
  /** Origin of the backend, e.g. http://127.0.0.1:8000 (a path on it is ignored). */
  url: string;
  /** Connections kept open: one per concurrent request. */
  maxSockets: number;
}

/** Longest silence from the backend when the request names no timeout_ms. */
export const DEFAULT_BACKEND_TIMEOUT_MS = 600_000;

const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "ECONNABORTED"]);

export class OpenAiBackend implements Backend {
  readonly name = "openai";
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(options: OpenAiBackendOptions) {
    const url = new URL(options.url);
    if (url.protocol !== "http:") throw new Error(`backend url must be http://, got ${options.url}`);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  call(job: Job): Promise<BackendResult> {
    const method = job.header.method ?? "POST";
    const body = method === "GET" ? undefined : job.payload;
    // A request without timeout_ms still must not hold a backend slot forever on a hung backend.
    const timeoutMs = job.header.timeout_ms ?? DEFAULT_BACKEND_TIMEOUT_MS;
    return new Promise((resolve) => {
      job.ts.backend_start = hostNow();
      let settled = false;
      const done = (result: BackendResult): void => {
        if (settled) return;
        settled = true;
        job.ts.backend_end = hostNow();
        resolve(result);
      };
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path: job.header.path ?? DEFAULT_PATH,
          agent: this.agent,
          headers: {
            "content-type": "application/json",
            "content-length": body === undefined ? 0 : body.byteLength,
          },
          timeout: timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const stream = job.stream;
          if (stream !== undefined && status >= 200 && status < 300 && isEventStream(res.headers["content-type"])) {
            // Each piece goes on as it arrives; the final reply then carries no payload.
            let pieces = 0;
            res.on("data", (piece: Buffer) => {
              pieces++;
              stream(piece);
            });
            const cut = (error: Error) => done(pieces > 0 ? cutShort(error.message, pieces) : failure(error));
            res.on("error", cut);
            res.on("close", () => {
              if (!res.complete) cut(Object.assign(new Error("the backend closed the stream"), { code: "ECONNRESET" }));
            });
            res.on("end", () => done({ payload: EMPTY, http_status: status }));
            return;
          }
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", (error) => done(failure(error)));
          res.on("end", () => {
            const payload = Buffer.concat(chunks);
            if (status >= 200 && status < 300) return done({ payload, http_status: status });
            const message = `backend answered HTTP ${status}: ${payload.toString("utf8", 0, 300)}`;
            done({ payload, http_status: status, error: { code: "backend_error", message } });
          });
        },
      );
      req.on("timeout", () =>
        req.destroy(Object.assign(new Error(`backend was silent for ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
      );
      req.on("error", (error) => done(failure(error)));
      // Closing the connection is how an OpenAI-compatible server learns to stop generating.
      job.cancel = () => {
        done({
          payload: EMPTY,
          error: { code: "canceled", message: "canceled by the client; backend request closed" },
        });
        req.destroy();
      };
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

const EMPTY = Buffer.alloc(0);

/** A stream that broke after pieces went out: never retryable, the client already has part of it. */
function cutShort(why: string, pieces: number): BackendResult {
  const message = `backend stream broke after ${pieces} piece(s): ${why}`;
  return { payload: EMPTY, error: { code: "backend_error", message } };
}

function failure(error: Error & { code?: string }): BackendResult {
  const code = error.code !== undefined && UNREACHABLE.has(error.code) ? "backend_unreachable" : "backend_error";
  return { payload: EMPTY, error: { code, message: `backend request failed: ${error.message}` } };
}
