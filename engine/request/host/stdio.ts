/**
 * The stdio backend: any program that reads one JSON request a line on its
 * stdin, `{"id": N, "body": <request>}`, and writes one reply a line on its
 * stdout, `{"id": N, "body": <reply>}` or `{"id": N, "error": "message"}`.
 * Replies may come in any order, so up to max_inflight requests are out at
 * once. A line that is no such reply (a stray print, a reply for an id that
 * is not waiting) is logged and counted, never fatal. Nothing listens on a
 * port: requests reach the program only through the host.
 */
import type { Readable, Writable } from "node:stream";
import type { Frame } from "../wire/protocol.js";
import type { Backend, BackendResult, Job } from "./backend.js";
import { hostNow } from "./clock.js";
import { DEFAULT_BACKEND_TIMEOUT_MS } from "./openai.js";

export interface StdioBackendOptions {
  /** Where stray lines are reported (the host's stderr: the instance's log). */
  log: (message: string) => void;
  /** Longest reply line kept; a longer one is dropped as not a reply. */
  maxLineBytes?: number;
}

interface Waiting {
  job: Job;
  done: (result: BackendResult) => void;
}

const EMPTY = Buffer.alloc(0);
/** The HTTP status of a request the program answered with `error` (Unprocessable Content). */
export const MODEL_ERROR_STATUS = 422;
/** Stray lines quoted in the log before it only counts them. */
const QUOTED_STRAY_LINES = 20;

export class StdioBackend implements Backend {
  readonly name = "stdio";
  /** Lines on the backend's stdout that were not a reply to a waiting request. */
  strayLines = 0;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private input: Writable | undefined;
  private gone: string | undefined;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private readonly maxLineBytes: number;

  constructor(private readonly options: StdioBackendOptions) {
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
  }

  /** Connects the backend process's stdin and stdout. */
  attach(input: Writable, output: Readable): void {
    this.input = input;
    input.on("error", (error) => this.lost(`its stdin closed (${error.message})`));
    output.on("data", (chunk: Buffer) => this.receive(chunk));
    output.on("end", () => this.lost("its stdout closed"));
  }

  call(job: Job): Promise<BackendResult> {
    return new Promise((resolve) => {
      job.ts.backend_start = hostNow();
      if (this.gone !== undefined || this.input === undefined) {
        resolve(failure("backend_unreachable", `the stdio backend is gone: ${this.gone ?? "not started"}`));
        return;
      }
      const id = this.nextId++;
      const timeoutMs = job.header.timeout_ms ?? DEFAULT_BACKEND_TIMEOUT_MS;
      const timer = setTimeout(
        () => finish(failure("backend_error", `the stdio backend did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (result: BackendResult) => {
        if (!this.waiting.delete(id)) return;
        clearTimeout(timer);
        job.ts.backend_end = hostNow();
        resolve(result);
      };
      this.waiting.set(id, { job, done: finish });
      job.cancel = () =>
        finish(failure("canceled", "canceled by the client; the stdio backend's reply will be dropped"));
      this.input.write(`${JSON.stringify({ id, body: requestBody(job.payload) })}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.strayLines > 0) this.options.log(`stdio backend: ${this.strayLines} line(s) in all were not replies`);
    this.lost("the host is stopping");
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      this.partial.push(chunk.subarray(start, end));
      const line = Buffer.concat(this.partial);
      const tooLong = this.partialBytes + end - start > this.maxLineBytes;
      this.partial = [];
      this.partialBytes = 0;
      start = end + 1;
      if (tooLong) this.stray(`a line of more than ${this.maxLineBytes} bytes`);
      else this.line(line.toString("utf8"));
    }
    if (start < chunk.length && this.partialBytes <= this.maxLineBytes) {
      // Past the limit the rest of the line is dropped, not kept: memory stays bounded.
      this.partial.push(chunk.subarray(start));
      this.partialBytes += chunk.length - start;
    }
  }

  private line(text: string): void {
    if (text.trim() === "") return;
    if (!this.answer(text)) this.stray(text);
  }

  /** Settles the request `text` replies to; false when it is no reply to a waiting request. */
  private answer(text: string): boolean {
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof reply !== "object" || reply === null || !("id" in reply)) return false;
    const waiting = typeof reply.id === "number" ? this.waiting.get(reply.id) : undefined;
    if (waiting === undefined) return false;
    if ("error" in reply) {
      const message = typeof reply.error === "string" ? reply.error : JSON.stringify(reply.error);
      // The program's own verdict on this request: like an HTTP 4xx, not retried on another instance.
      waiting.done({
        payload: JSON.stringify({ error: { message, type: "backend_error" } }),
        http_status: MODEL_ERROR_STATUS,
        error: { code: "backend_error", message: `backend error: ${message}` },
      });
      return true;
    }
    if (!("body" in reply)) return false;
    waiting.done({ payload: JSON.stringify(reply.body ?? null), http_status: 200 });
    return true;
  }

  private stray(line: string): void {
    this.strayLines++;
    if (this.strayLines <= QUOTED_STRAY_LINES) {
      this.options.log(`stdio backend: not a reply to a waiting request, ignored: ${line.slice(0, 300)}`);
    } else if (this.strayLines % 1000 === 0) {
      this.options.log(`stdio backend: ${this.strayLines} lines that were not replies so far`);
    }
  }

  /** The process went away: what waits fails, so it can be retried on another instance. */
  private lost(why: string): void {
    this.gone ??= why;
    for (const waiting of [...this.waiting.values()]) {
      waiting.done(failure("backend_unreachable", `the stdio backend is gone: ${why}`));
    }
  }
}

/** The request as JSON; a payload that is not JSON goes as a string. */
function requestBody(payload: Frame): unknown {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8");
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failure(code: "backend_error" | "backend_unreachable" | "canceled", message: string): BackendResult {
  return { payload: EMPTY, error: { code, message } };
}
