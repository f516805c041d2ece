import { useEffect, useReducer, useRef } from "react";

/**
 * The wall clock for elapsed times, read at every render. A redraw the data
 * caused already shows the current time, so the timer only forces one when
 * nothing has redrawn for about `intervalMs`: on a busy session the clock
 * costs no extra frames. `fixed` pins it (tests, `show`).
 */
export function useNow(intervalMs: number, fixed?: number): number {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const lastRender = useRef(0);
  const now = fixed ?? Date.now();
  lastRender.current = now;
  useEffect(() => {
    if (fixed !== undefined) return;
    const timer = setInterval(
      () => {
        if (Date.now() - lastRender.current >= intervalMs * 0.9) tick();
      },
      Math.max(10, Math.floor(intervalMs / 4)),
    );
    return () => clearInterval(timer);
  }, [intervalMs, fixed]);
  return now;
}
