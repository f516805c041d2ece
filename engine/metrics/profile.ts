/**
 * The per-request profile: one JSON line per finished request in
 * `<session>/profile/<service>.jsonl`, with every timestamp, for offline
 * analysis (docs/requests.md). Lines go through a write stream, so the hot
 * path only formats a string.
 */

import type { WriteStream } from "node:fs";
import { join } from "node:path";
import { createPrivateWriteStream } from "../session/private-fs.js";
import { reportWriteFailure } from "../session/write-errors.js";

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
  /** Services whose file failed: nothing more is written for them. */
  private readonly broken = new Set<string>();
  private closed = false;

  constructor(private readonly dir: string) {}

  write(record: ProfileRecord): void {
    // Requests failed by teardown itself finish after the files are closed: nothing left to record them in.
    if (this.closed || this.broken.has(record.service)) return;
    const stream = this.stream(record.service);
    if (stream && !stream.destroyed) stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = [...this.streams.values()].map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream.closed) resolve();
          else {
            stream.once("close", () => resolve());
            stream.end();
          }
        }),
    );
    this.streams.clear();
    await Promise.all(closing);
  }

  /** The service's file; undefined (reported once) when it cannot be opened. */
  private stream(service: string): WriteStream | undefined {
    let stream = this.streams.get(service);
    if (!stream) {
      const path = join(this.dir, `${service}.jsonl`);
      try {
        stream = createPrivateWriteStream(path, "a");
      } catch (error) {
        this.broken.add(service);
        reportWriteFailure(path, error);
        return undefined;
      }
      // A full disk: reported once, later records for it are dropped (the run is stopping).
      stream.once("error", (error) => {
        this.broken.add(service);
        reportWriteFailure(path, error);
      });
      stream.on("error", () => {});
      this.streams.set(service, stream);
    }
    return stream;
  }
}
