/** Renders the dashboard from a folded state with ink-testing-library, colour off, size pinned. */

import { setTimeout as sleep } from "node:timers/promises";
import { render } from "ink-testing-library";
import type { EngineEvent } from "../../engine/events.js";
import { replay, type SessionState } from "../../engine/state.js";
import { Dashboard, type DashboardProps } from "../../tui/components/Dashboard.js";
import { fixedSource } from "../../tui/store.js";
import { ColorContext } from "../../tui/theme.js";

export function renderDashboard(
  input: SessionState | EngineEvent[],
  props: Partial<DashboardProps> & { color?: boolean } = {},
) {
  const state = Array.isArray(input) ? replay(input) : input;
  const { color = false, ...rest } = props;
  const app = render(
    <ColorContext.Provider value={color}>
      <Dashboard
        source={fixedSource(state)}
        mode="run"
        size={{ columns: 80, rows: 24 }}
        now={state.lastTs}
        finishedLog={false}
        {...rest}
      />
    </ColorContext.Provider>,
  );
  return app;
}

/** Waits (bounded) until the last frame satisfies `check`; returns it. */
export async function frameWhere(
  app: { lastFrame(): string | undefined },
  check: (frame: string) => boolean,
  timeoutMs = 1_000,
) {
  for (let i = 0; i < timeoutMs / 10; i += 1) {
    const frame = app.lastFrame() ?? "";
    if (check(frame)) return frame;
    await sleep(10);
  }
  return app.lastFrame() ?? "";
}

/** Sends keys one at a time, letting Ink handle each. */
export async function press(app: { stdin: { write(data: string): void } }, ...keys: string[]) {
  for (const key of keys) {
    app.stdin.write(key);
    await sleep(20);
  }
}

export const KEY = {
  up: "\u001B[A",
  down: "\u001B[B",
  enter: "\r",
  escape: "\u001B",
  tab: "\t",
  ctrlC: "\u0003",
} as const;

export function lines(frame: string): string[] {
  return frame.split("\n");
}
