/**
 * The one event stream of a session. `emit` stamps the envelope (v, seq, ts)
 * and fans the event out synchronously to every listener, so sinks see events
 * in seq order and the store is up to date before `emit` returns.
 *
 * The bus also holds the reduced snapshot: `subscribe` + `getSnapshot` are the
 * pair React's useSyncExternalStore wants.
 */
import { type EngineEvent, type EngineEventBody, EVENT_VERSION } from "./events.js";
import { initialState, reduce, type SessionState } from "./state.js";

export type EventListener = (event: EngineEvent) => void;

export interface EventBusOptions {
  /** Clock for `ts` (tests pin it). */
  now?: () => number;
  /** Where a listener's exception goes; a broken sink must not stop the engine. */
  onListenerError?: (error: unknown, event: EngineEvent) => void;
}

export class EventBus {
  private seq = 0;
  private snapshot: SessionState = initialState;
  private readonly listeners = new Set<EventListener>();
  /** The clock that stamps `ts`. */
  readonly now: () => number;
  private readonly onListenerError: (error: unknown, event: EngineEvent) => void;
  private closed = false;
  private readonly closeWaiters = new Set<() => void>();

  constructor(options: EventBusOptions = {}) {
    this.now = options.now ?? Date.now;
    this.onListenerError = options.onListenerError ?? ((error) => console.error("event listener failed:", error));
  }

  /**
   * Stamps and delivers one event. Returns the stamped event. After close()
   * listeners still get events (a late one must not crash the run); async
   * iterators have ended. `ts` pins the timestamp (an event whose effects,
   * like summary.json, were written just before it).
   */
  emit(body: EngineEventBody, ts: number = this.now()): EngineEvent {
    this.seq += 1;
    const event = { v: EVENT_VERSION, seq: this.seq, ts, ...body } as EngineEvent;
    this.snapshot = reduce(this.snapshot, event);
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
    return event;
  }

  /** Listens to every later event. Returns the unsubscribe function. */
  subscribe = (listener: EventListener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** The snapshot folded from every event so far (a new object after each event). */
  getSnapshot = (): SessionState => this.snapshot;

  get lastSeq(): number {
    return this.seq;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends the stream: async iterators finish after draining what they buffered. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.closeWaiters) wake();
    this.closeWaiters.clear();
  }

  /**
   * Every event emitted from the moment of this call (not of the first
   * `next()`), until close(). Buffers unboundedly for a slow reader.
   */
  events(): AsyncIterableIterator<EngineEvent> {
    const buffer: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.subscribe((event) => {
      if (this.closed) return;
      buffer.push(event);
      wake?.();
    });
    const finish = (): IteratorResult<EngineEvent> => {
      unsubscribe();
      return { value: undefined, done: true };
    };
    const iterator: AsyncIterableIterator<EngineEvent> = {
      next: async () => {
        while (true) {
          const value = buffer.shift();
          if (value) return { value, done: false };
          if (this.closed) return finish();
          await new Promise<void>((resolve) => {
            wake = resolve;
            this.closeWaiters.add(resolve);
          });
          if (wake) this.closeWaiters.delete(wake);
          wake = undefined;
        }
      },
      return: async () => {
        buffer.length = 0;
        return finish();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
