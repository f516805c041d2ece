/**
 * The per-request profile: one JSON line per finished request in
 * `<session>/profile/<service>.jsonl`, with every timestamp, for offline
 * analysis (docs/requests.md). Lines go through a write stream, so the hot
 * path only formats a string.
 */

import { once } from "node:events";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";

export interface ProfileRecord {
  service: string;
  /** Who sent it: an inference task name, "http" (the HTTP front), … */
  source: string;
  /** Index within the source (input line of an inference task), or a running id. */
  index: number;
  status: "ok" | "error";
  /** Instance that answered (or the last one tried), when any was. */
  instance?: number;
  endpoint?: string;
  attempts: number;
  /** Wall-clock ms since epoch when the request was accepted. */
  ts: number;
  communication_ms?: number;
  service_ms?: number;
  inference_ms?: number;
  total_ms?: number;
  /** Named timestamps of the answering attempt (client clock: ms since epoch; host stamps as the host sent them). */
  stamps?: Record<string, number>;
  error?: string;
}

export class RequestProfile {
  private readonly streams = new Map<string, WriteStream>();
  private closed = false;

  constructor(private readonly dir: string) {}

  write(record: ProfileRecord): void {
    // Requests failed by teardown itself finish after the files are closed: nothing left to record them in.
    if (this.closed) return;
    this.stream(record.service).write(`${JSON.stringify(record)}\n`);
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = [...this.streams.values()].map(async (stream) => {
      stream.end();
      if (!stream.closed) await once(stream, "close");
    });
    this.streams.clear();
    await Promise.all(closing);
  }

  private stream(service: string): WriteStream {
    let stream = this.streams.get(service);
    if (!stream) {
      mkdirSync(this.dir, { recursive: true });
      stream = createWriteStream(join(this.dir, `${service}.jsonl`), { flags: "a" });
      this.streams.set(service, stream);
    }
    return stream;
  }
}
