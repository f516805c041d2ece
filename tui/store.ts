/**
 * What the dashboard reads: any `{ subscribe, getSnapshot }` over
 * SessionState — the engine's event bus in `run`, an events.jsonl tailer in
 * `watch`, a replayed state in `show`. No React here.
 */
import type { EngineEvent } from "../engine/events.js";
import { initialState, reduce, type SessionState } from "../engine/state.js";

export interface StateSource {
  /** The listener may be called with arguments (the bus passes the event); they are ignored. */
  subscribe(listener: () => void): () => void;
  getSnapshot(): SessionState;
}

/**
 * Coalesces a fast source into at most one notification per `intervalMs`
 * (leading and trailing edge). The source's listener only flips a flag and
 * maybe arms a timer, so a busy engine pays O(1) per event for the UI.
 */
export function throttleSource(source: StateSource, intervalMs = 100): StateSource & { close(): void } {
  let snapshot = source.getSnapshot();
  const listeners = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  let lastFlush = 0;
  let dirty = false;

  const flush = () => {
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    lastFlush = Date.now();
    snapshot = source.getSnapshot();
    for (const listener of [...listeners]) listener();
  };
  const unsubscribe = source.subscribe(() => {
    dirty = true;
    if (timer) return;
    const wait = Math.max(0, lastFlush + intervalMs - Date.now());
    timer = setTimeout(flush, wait);
  });

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    close() {
      unsubscribe();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** A source fed by hand: `push` folds events with the shared reducer. */
export class EventFold implements StateSource {
  private state: SessionState = initialState;
  private readonly listeners = new Set<() => void>();

  push(event: EngineEvent): void {
    this.state = reduce(this.state, event);
    for (const listener of [...this.listeners]) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): SessionState => this.state;
}

/** A source that never changes (show, tests). */
export function fixedSource(state: SessionState): StateSource {
  return { subscribe: () => () => {}, getSnapshot: () => state };
}
