import { closeSync, openSync, writeSync } from "node:fs";
import { errorMessage, FlotillaError } from "../errors.js";
import type { EngineEvent } from "../events.js";

export interface EventsFileSinkOptions {
  /** Flush when this many bytes are waiting (default 64 KiB). */
  maxBufferBytes?: number;
  /** Flush at most this long after an event arrives (default 200 ms). */
  flushIntervalMs?: number;
}

/** Sinks with unflushed events, for the last-chance flush on process exit. */
const openSinks = new Set<EventsFileSink>();

/**
 * Appends one JSON line per event to a file (events.jsonl). Lines are batched
 * and written with synchronous appends: ordering is trivial, a batch costs one
 * system call, and every flush is complete before it returns, so nothing is
 * left in flight when the process exits. `session:end` is written through at
 * once, and `flushOpenSinksSync()` on process exit catches the rest.
 */
export class EventsFileSink {
  readonly path: string;
  readonly #fd: number;
  readonly #maxBufferBytes: number;
  readonly #flushIntervalMs: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(path: string, options: EventsFileSinkOptions = {}) {
    this.path = path;
    this.#maxBufferBytes = options.maxBufferBytes ?? 64 * 1024;
    this.#flushIntervalMs = options.flushIntervalMs ?? 200;
    try {
      this.#fd = openSync(path, "a");
    } catch (error) {
      throw new FlotillaError("USAGE", `cannot write events to ${path}: ${errorMessage(error)}`, {
        cause: error,
        context: { path },
      });
    }
    openSinks.add(this);
  }

  /** The listener to subscribe to the event bus. */
  readonly write = (event: EngineEvent): void => {
    if (this.#closed) return;
    const line = `${JSON.stringify(event)}\n`;
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (event.type === "session:end" || this.#pendingBytes >= this.#maxBufferBytes) this.flushSync();
    else this.#timer ??= setTimeout(() => this.flushSync(), this.#flushIntervalMs).unref();
  };

  /** Writes everything buffered so far. */
  flushSync(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0 || this.#closed) return;
    const data = this.#pending.join("");
    this.#pending = [];
    this.#pendingBytes = 0;
    writeSync(this.#fd, data);
  }

  /** Flushes and closes the file. Idempotent. */
  close(): Promise<void> {
    this.closeSync();
    return Promise.resolve();
  }

  closeSync(): void {
    if (this.#closed) return;
    this.flushSync();
    this.#closed = true;
    openSinks.delete(this);
    closeSync(this.#fd);
  }
}

/** For `process.on("exit")`: write out every open sink's buffered events. */
export function flushOpenSinksSync(): void {
  for (const sink of openSinks) {
    try {
      sink.closeSync();
    } catch {
      // Exiting anyway; one unwritable sink must not stop the others.
    }
  }
}
