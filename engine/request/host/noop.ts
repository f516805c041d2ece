/**
 * The NOOP backend: the host answers itself, optionally after a gaussian
 * delay that emulates inference time. With a `path` naming an OpenAI
 * endpoint and a JSON body, it answers in that endpoint's shape (echoing the
 * prompt) so OpenAI clients work against it; otherwise it echoes the payload.
 */
import type { Frame, RequestHeader } from "../wire/protocol.js";
import type { Backend, BackendResult, Job } from "./backend.js";
import { hostNow } from "./clock.js";

export interface DelaySpec {
  mean_ms: number;
  sd_ms: number;
}

/** One standard-normal sample (Box–Muller). */
function gaussian(): number {
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function sampleDelay(delay: DelaySpec): number {
  return Math.max(0, delay.mean_ms + (delay.sd_ms > 0 ? delay.sd_ms * gaussian() : 0));
}

export class NoopBackend implements Backend {
  readonly name = "noop";
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly delay?: DelaySpec) {}

  call(job: Job): BackendResult | Promise<BackendResult> {
    job.ts.backend_start = hostNow();
    const ms = this.delay === undefined ? 0 : sampleDelay(this.delay);
    if (ms <= 0) {
      const result = answer(job.header, job.payload);
      job.ts.backend_end = hostNow();
      return result;
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const result = answer(job.header, job.payload);
        job.ts.backend_end = hostNow();
        resolve(result);
      }, ms);
      this.timers.add(timer);
      job.cancel = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        job.ts.backend_end = hostNow();
        resolve(CANCELED);
      };
    });
  }

  async close(): Promise<void> {
    // Pending delays resolve early-ish by dropping their timers; the host has already failed them.
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

const CANCELED: BackendResult = {
  payload: Buffer.alloc(0),
  error: { code: "canceled", message: "canceled by the client while the emulated inference ran" },
};

function answer(header: RequestHeader, payload: Frame): BackendResult {
  if (header.path === undefined) return { payload };
  const shaped = openAiShape(header.path, payload);
  return shaped === undefined ? { payload } : { payload: JSON.stringify(shaped), http_status: 200 };
}

function openAiShape(path: string, payload: Frame): object | undefined {
  const created = Math.floor(Date.now() / 1000);
  if (path.endsWith("/models")) {
    return { object: "list", data: [{ id: "noop", object: "model", created, owned_by: "flotilla" }] };
  }
  let body: { prompt?: unknown; messages?: { content?: unknown }[]; model?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== "object") return undefined;
  const model = typeof body.model === "string" ? body.model : "noop";
  const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  if (path.endsWith("/chat/completions")) {
    const last = Array.isArray(body.messages) ? body.messages.at(-1) : undefined;
    const content = typeof last?.content === "string" ? last.content : "";
    const message = { role: "assistant", content };
    return {
      id: "chatcmpl-noop",
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, finish_reason: "stop", logprobs: null }],
      usage,
    };
  }
  if (path.endsWith("/completions")) {
    const text = typeof body.prompt === "string" ? body.prompt : "";
    return {
      id: "cmpl-noop",
      object: "text_completion",
      created,
      model,
      choices: [{ index: 0, text, finish_reason: "stop", logprobs: null }],
      usage,
    };
  }
  return undefined;
}
