/**
 * Row budget: the live frame must stay shorter than the terminal, or Ink
 * clears the whole screen on every redraw (flicker). Sections get rows in
 * turn until the budget is spent; each title says how many it had to hide.
 */

export interface Rows {
  services: number;
  latency: number;
  tasks: number;
  events: number;
}

/** Lines every frame has besides the section bodies: header 2, footer 1, four titles, the services column header. */
export const FIXED_LINES = 2 + 1 + 4 + 1;

export function planRows(height: number, want: Rows): Rows {
  // One line spare: a frame as tall as the terminal scrolls it.
  let left = Math.max(0, height - 1 - FIXED_LINES);
  const got: Rows = { services: 0, latency: 0, tasks: 0, events: 0 };
  const order: Array<keyof Rows> = ["services", "tasks", "events", "latency"];
  let progress = true;
  while (left > 0 && progress) {
    progress = false;
    for (const key of order) {
      if (left > 0 && got[key] < want[key]) {
        got[key] += 1;
        left -= 1;
        progress = true;
      }
    }
  }
  return got;
}

/** First index of a `size`-row window over `total` items that keeps `selected` in view. */
export function windowStart(total: number, size: number, selected: number): number {
  if (size <= 0 || total <= size) return 0;
  return Math.min(Math.max(0, selected - size + 1), total - size);
}
