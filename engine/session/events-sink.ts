import { closeSync, fstatSync, ftruncateSync } from "node:fs";
import { FlotillaError } from "../errors.js";
import type { EngineEvent } from "../events.js";
import { openPrivate, writeAllSync } from "./private-fs.js";
import { describeFsError, reportWriteFailure } from "./write-errors.js";

export interface EventsFileSinkOptions {
  /** Flush when this many bytes are waiting (default 64 KiB). */
  maxBufferBytes?: number;
  /** Flush at most this long after an event arrives (default 200 ms). */
  flushIntervalMs?: number;
  /** After a write error: how many bytes of events to keep for the last try at session:end (default 1 MiB). */
  maxHeldBytes?: number;
}

/** Sinks with unflushed events, for the last-chance flush on process exit. */
const openSinks = new Set<EventsFileSink>();

/**
 * Appends one JSON line per event to a file (events.jsonl). Lines are batched
 * and written with synchronous appends: ordering is trivial, a batch costs one
 * system call, and every flush is complete before it returns, so nothing is
 * left in flight when the process exits. `session:end` is written through at
 * once, and `flushOpenSinksSync()` on process exit catches the rest.
 *
 * A failed write (disk full) is reported once (write-errors.ts) and never
 * thrown at the bus. The file is cut back to its last complete line, so it
 * stays readable; later events are held (bounded) and not written until
 * `session:end`, which tries once more to write them, and failing that
 * `session:end` alone, so the record ends with its outcome whenever a few
 * hundred bytes can still be written.
 */
export class EventsFileSink {
  readonly path: string;
  readonly #fd: number;
  readonly #maxBufferBytes: number;
  readonly #flushIntervalMs: number;
  readonly #maxHeldBytes: number;
  /** Bytes in the file, all complete lines: where to cut back to after a partial write. */
  #size: number;
  #failed = false;
  #pending: string[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(path: string, options: EventsFileSinkOptions = {}) {
    this.path = path;
    this.#maxBufferBytes = options.maxBufferBytes ?? 64 * 1024;
    this.#flushIntervalMs = options.flushIntervalMs ?? 200;
    this.#maxHeldBytes = options.maxHeldBytes ?? 1024 * 1024;
    try {
      this.#fd = openPrivate(path, "a");
      this.#size = fstatSync(this.#fd).size;
    } catch (error) {
      throw new FlotillaError("USAGE", `cannot write events to ${path}: ${describeFsError(error)}`, {
        cause: error,
        context: { path },
      });
    }
    openSinks.add(this);
  }

  /** Whether a write has failed (the file then lacks events after the failure). */
  get failed(): boolean {
    return this.#failed;
  }

  /** The listener to subscribe to the event bus. */
  readonly write = (event: EngineEvent): void => {
    if (this.#closed) return;
    const line = `${JSON.stringify(event)}\n`;
    if (this.#failed) {
      if (event.type === "session:end") this.#lastTry(line);
      else if (this.#pendingBytes + line.length <= this.#maxHeldBytes) this.#hold(line);
      return;
    }
    this.#hold(line);
    if (event.type === "session:end" || this.#pendingBytes >= this.#maxBufferBytes) this.flushSync();
    else this.#timer ??= setTimeout(() => this.flushSync(), this.#flushIntervalMs).unref();
  };

  /** Writes everything buffered so far (after a failure: nothing, until session:end). */
  flushSync(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0 || this.#closed || this.#failed) return;
    const error = this.#append(this.#pending.join(""));
    if (error === undefined) {
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    // Keep what was not written: session:end tries once more.
    this.#failed = true;
    reportWriteFailure(this.path, error);
  }

  #hold(line: string): void {
    this.#pending.push(line);
    this.#pendingBytes += line.length;
  }

  /** The one try after a failure: every held event and session:end, else session:end alone. */
  #lastTry(endLine: string): void {
    const held = this.#pending.join("");
    this.#pending = [];
    this.#pendingBytes = 0;
    if (held !== "" && this.#append(held + endLine) === undefined) return;
    this.#append(endLine);
  }

  /** Appends whole lines or nothing: a partial write is cut back so the file ends on a complete line. */
  #append(data: string): unknown {
    const bytes = Buffer.from(data);
    try {
      writeAllSync(this.#fd, bytes);
      this.#size += bytes.length;
      return undefined;
    } catch (error) {
      try {
        ftruncateSync(this.#fd, this.#size);
      } catch {
        // Nothing more to do: readers skip a cut last line.
      }
      return error;
    }
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
    try {
      closeSync(this.#fd);
    } catch (error) {
      // Some file systems report a failed write only at close (NFS).
      if (!this.#failed) reportWriteFailure(this.path, error);
      this.#failed = true;
    }
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
