/**
 * A remote OpenAI-compatible server (vLLM, Ollama, llama.cpp server, …)
 * reached over HTTP, as one instance of a service. There is no service host
 * in front of it to stamp times, so the breakdown is what the client can
 * see: when the reply carries llama.cpp-style `timings` (prompt_ms +
 * predicted_ms) that is the inference time; otherwise the whole round trip
 * counts as inference. `service_ms` is 0 either way (docs/requests.md).
 * A streamed request gets the event stream piece by piece.
 */
import type { RequestTiming } from "../../metrics/timing.js";
import { isEventStream } from "../wire/protocol.js";
import { ChannelError, type ChannelReply, type ChannelRequest, type InstanceChannel } from "./channel.js";

/** "http://host:9000/v1" and "http://host:9000" both name the server root "http://host:9000". */
export function serverRoot(endpoint: string): string {
  return endpoint.replace(/\/+$/, "").replace(/\/v1$/, "");
}

function inferenceMsOf(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const timings = (body as { timings?: { prompt_ms?: unknown; predicted_ms?: unknown } }).timings;
  if (typeof timings !== "object" || timings === null) return undefined;
  const prompt = typeof timings.prompt_ms === "number" ? timings.prompt_ms : 0;
  const predicted = typeof timings.predicted_ms === "number" ? timings.predicted_ms : 0;
  return prompt + predicted > 0 ? prompt + predicted : undefined;
}

export function timingFromRoundTrip(totalMs: number, body: unknown): RequestTiming {
  const reported = inferenceMsOf(body);
  const inference = reported === undefined ? totalMs : Math.min(reported, totalMs);
  return { communication_ms: totalMs - inference, service_ms: 0, inference_ms: inference, total_ms: totalMs };
}

export class HttpChannel implements InstanceChannel {
  private readonly root: string;
  /** Aborts every request in flight when the channel closes. */
  private readonly closing = new AbortController();

  /** `token`: sent as `Authorization: Bearer` with every request (remote-tokens.ts). */
  constructor(
    readonly endpoint: string,
    private readonly token?: string,
  ) {
    this.root = serverRoot(endpoint);
  }

  async request(request: ChannelRequest, timeoutMs: number, signal?: AbortSignal): Promise<ChannelReply> {
    if (this.closing.signal.aborted) throw new ChannelError("closed", `channel to ${this.endpoint} is closed`);
    // The timeout counts silence: it starts again with every streamed piece.
    const silence = new AbortController();
    let timer = setTimeout(() => silence.abort(), timeoutMs);
    const abort = AbortSignal.any(
      signal ? [silence.signal, this.closing.signal, signal] : [silence.signal, this.closing.signal],
    );
    const sentAt = Date.now();
    const start = performance.now();
    let response: Response;
    let text = "";
    let firstPiece: number | undefined;
    try {
      const headers: Record<string, string> = this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
      if (request.method === "POST") headers["content-type"] = "application/json";
      response = await fetch(this.root + request.path, {
        method: request.method,
        signal: abort,
        headers,
        ...(request.method === "POST" ? { body: JSON.stringify(request.body ?? {}) } : {}),
      });
      const onPiece = request.onPiece;
      if (onPiece !== undefined && response.ok && isEventStream(response.headers.get("content-type"))) {
        for await (const piece of response.body ?? []) {
          firstPiece ??= performance.now() - start;
          clearTimeout(timer);
          timer = setTimeout(() => silence.abort(), timeoutMs);
          try {
            onPiece(Buffer.from(piece));
          } catch (error) {
            // The caller's handler failed, not the instance; leaving the loop closes the connection.
            throw new ChannelError("closed", `handling a streamed piece failed: ${String(error)}`);
          }
        }
      } else {
        text = await response.text();
      }
    } catch (error) {
      if (error instanceof ChannelError) throw error;
      if (silence.signal.aborted) {
        const what = firstPiece === undefined ? "no reply" : "no further piece";
        throw new ChannelError("timeout", `${what} from ${this.endpoint} within ${timeoutMs} ms`);
      }
      if (signal?.aborted || this.closing.signal.aborted) {
        throw new ChannelError("closed", `request to ${this.endpoint} canceled`);
      }
      throw new ChannelError("unreachable", `cannot reach ${this.endpoint}: ${causeOf(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const totalMs = performance.now() - start;
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      // Not JSON (an error page): keep the text so the caller can show it.
    }
    const stamps: Record<string, number> = { client_sent: sentAt, client_received: sentAt + totalMs };
    const timing = timingFromRoundTrip(totalMs, body);
    if (firstPiece !== undefined) {
      stamps.client_first_piece = sentAt + firstPiece;
      timing.first_piece_ms = firstPiece;
    }
    return { status: response.status, body, timing, stamps };
  }

  async ping(timeoutMs: number): Promise<boolean> {
    try {
      const reply = await this.request({ method: "GET", path: "/v1/models" }, timeoutMs);
      return reply.status < 500;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
