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

export interface ThrottledSource extends StateSource {
  /**
   * Reports what the last redraw cost (ms): the interval stretches so that
   * redrawing takes at most 1/COST_SHARE of the time, between `intervalMs`
   * and MAX_INTERVAL_MS, leaving the engine the CPU on a busy or slow host.
   */
  reportRenderTime(ms: number): void;
  close(): void;
}

/** Ink's output step may take at most 1/40 of the wall clock (React's part adds about as much again). */
const COST_SHARE = 40;
const MAX_INTERVAL_MS = 1_000;

/**
 * Coalesces a fast source into at most one notification per interval
 * (leading and trailing edge). The source's listener only flips a flag and
 * maybe arms a timer, so a busy engine pays O(1) per event for the UI.
 */
export function throttleSource(source: StateSource, intervalMs = 100): ThrottledSource {
  let snapshot = source.getSnapshot();
  let interval = intervalMs;
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
    const wait = Math.max(0, lastFlush + interval - Date.now());
    timer = setTimeout(flush, wait);
  });

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    reportRenderTime(ms) {
      // Smoothed, so one slow frame (a GC pause) does not stall the screen.
      const target = Math.min(MAX_INTERVAL_MS, Math.max(intervalMs, ms * COST_SHARE));
      interval = Math.round(interval * 0.7 + target * 0.3);
    },
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
