/**
 * Reads an inference task's `requests` file: JSON Lines, one request per
 * non-blank line (docs/requests.md). A line is either an OpenAI request body
 * (`messages` → /v1/chat/completions, otherwise /v1/completions) or an
 * explicit `{ "path": "/v1/…", "method": "POST", "body": {…} }`.
 */
import { readFile } from "node:fs/promises";
import { FlotillaError } from "../../errors.js";
import type { ChannelRequest } from "../dispatch/channel.js";

export async function readRequests(path: string): Promise<ChannelRequest[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new FlotillaError("WORKLOAD_UNREADABLE", `cannot read requests file ${path}: ${(error as Error).message}`, {
      cause: error,
      context: { file: path },
    });
  }
  const requests: ChannelRequest[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line.length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw invalid(path, i + 1, `not JSON: ${(error as Error).message}`);
    }
    requests.push(toRequest(value, path, i + 1));
  }
  return requests;
}

function toRequest(value: unknown, file: string, line: number): ChannelRequest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(file, line, "each line must be a JSON object");
  }
  const record = value as Record<string, unknown>;
  if (typeof record.path === "string") {
    if (!record.path.startsWith("/")) throw invalid(file, line, "'path' must start with '/'");
    const method = record.method ?? "POST";
    if (method !== "POST" && method !== "GET") throw invalid(file, line, "'method' must be POST or GET");
    return { method, path: record.path, ...(record.body === undefined ? {} : { body: record.body }) };
  }
  const path = Array.isArray(record.messages) ? "/v1/chat/completions" : "/v1/completions";
  return { method: "POST", path, body: record };
}

function invalid(file: string, line: number, why: string): FlotillaError {
  return new FlotillaError("WORKLOAD_INVALID", `${file}:${line}: ${why}`, { context: { file, line } });
}
