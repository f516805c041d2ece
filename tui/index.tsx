/** @jsxRuntime automatic */
/**
 * The terminal UI's one entry point. cli/ loads this module with a dynamic
 * import only when stdout is a terminal, so batch runs never load React/Ink.
 * No top-level await here: the single-binary bundle is CommonJS.
 * Each .tsx names the automatic JSX runtime itself (the pragma above), so it
 * compiles right whatever tsconfig a runner picks up (tsx looks in the cwd).
 */
import { render, renderToString } from "ink";
import type { SessionState } from "../engine/state.js";
import { Dashboard } from "./components/Dashboard.js";
import type { DashboardMode } from "./hooks/use-keys.js";
import { colorEnabled } from "./no-color.js";
import { fixedSource, type StateSource, throttleSource } from "./store.js";
import { ColorContext } from "./theme.js";

export type { DashboardMode } from "./hooks/use-keys.js";
export { EventFold, type StateSource, throttleSource } from "./store.js";

export interface DashboardOptions {
  mode: DashboardMode;
  /** Called when the user confirms quitting (run: abort the engine; watch: stop following). */
  onQuit?: () => void;
  /** Redraw at most this often (default 100 ms: ~10 frames a second). */
  intervalMs?: number;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  env?: Record<string, string | undefined>;
}

export interface DashboardHandle {
  /** Settles when the screen closes: the session ended, or the user quit. */
  done: Promise<void>;
  unmount(): void;
}

/**
 * Shows the live dashboard over `source` (anything with subscribe/getSnapshot
 * of SessionState, such as the engine's EventBus). The source is read
 * through a throttle, so the engine never waits on a redraw.
 */
export function startDashboard(source: StateSource, options: DashboardOptions): DashboardHandle {
  const throttled = throttleSource(source, options.intervalMs ?? 100);
  const stdin = options.stdin ?? process.stdin;
  const interactive = options.mode !== "show" && stdin.isTTY === true;
  const instance = render(
    <ColorContext.Provider value={colorEnabled(options.env ?? process.env)}>
      <Dashboard
        source={throttled}
        mode={options.mode}
        interactive={interactive}
        {...(options.onQuit ? { onQuit: options.onQuit } : {})}
      />
    </ColorContext.Provider>,
    {
      stdout: options.stdout ?? process.stdout,
      stdin,
      stderr: options.stderr ?? process.stderr,
      // Ctrl-C is a key like q: it asks before tearing down a running session.
      exitOnCtrlC: false,
      maxFps: 10,
      onRender: ({ renderTime }) => throttled.reportRenderTime(renderTime),
    },
  );
  const done = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  void done.finally(() => throttled.close());
  return { done, unmount: () => instance.unmount() };
}

/** One final frame as text (`show`): no keys, no live updates. */
export function renderFinalFrame(
  state: SessionState,
  options: { columns: number; rows: number; color: boolean },
): string {
  return renderToString(
    <ColorContext.Provider value={options.color}>
      <Dashboard
        source={fixedSource(state)}
        mode="show"
        size={{ columns: options.columns, rows: options.rows }}
        now={state.end?.ts ?? state.lastTs}
      />
    </ColorContext.Provider>,
    { columns: options.columns },
  );
}
