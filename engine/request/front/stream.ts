/**
 * Streaming for OpenAI clients that ask for it (`stream: true`) when the
 * backend answered whole instead (noop, or a server that does not stream):
 * the whole reply is sent back as server-sent events in OpenAI's chunk
 * shape: one content chunk, a finish chunk, then `[DONE]`. Backends that
 * stream have their event stream passed on as it comes (http-front.ts).
 */
import type { ServerResponse } from "node:http";

interface Choice {
  index?: number;
  text?: string;
  message?: { role?: string; content?: unknown };
  finish_reason?: string | null;
}

interface Completion {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: Choice[];
  usage?: unknown;
}

export const EVENT_STREAM_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

export function writeAsEventStream(res: ServerResponse, path: string, reply: unknown): void {
  if (typeof reply === "string" && reply.startsWith("data:")) {
    // A whole event stream (from a host that does not pass pieces on): it is already in shape.
    res.writeHead(200, EVENT_STREAM_HEADERS);
    res.end(reply);
    return;
  }
  const body = (typeof reply === "object" && reply !== null ? reply : {}) as Completion;
  const chat = path.endsWith("/chat/completions");
  const base = {
    id: body.id ?? "flotilla",
    object: chat ? "chat.completion.chunk" : "text_completion",
    created: body.created ?? Math.floor(Date.now() / 1000),
    model: body.model ?? "unknown",
  };
  const choices = body.choices ?? [];
  res.writeHead(200, EVENT_STREAM_HEADERS);
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  send({
    ...base,
    choices: choices.map((choice, i) =>
      chat
        ? {
            index: choice.index ?? i,
            delta: { role: "assistant", content: choice.message?.content ?? "" },
            finish_reason: null,
          }
        : { index: choice.index ?? i, text: choice.text ?? "", finish_reason: null, logprobs: null },
    ),
  });
  send({
    ...base,
    choices: choices.map((choice, i) =>
      chat
        ? { index: choice.index ?? i, delta: {}, finish_reason: choice.finish_reason ?? "stop" }
        : { index: choice.index ?? i, text: "", finish_reason: choice.finish_reason ?? "stop", logprobs: null },
    ),
    ...(body.usage === undefined ? {} : { usage: body.usage }),
  });
  res.end("data: [DONE]\n\n");
}
