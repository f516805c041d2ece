/**
 * The live dashboard as a run's sink. tui/ (React, Ink) is loaded here with
 * a dynamic import, so only a run on a terminal without --json pays for it.
 */
import type { Sink } from "./types.js";

/** How long detach waits for the screen to print its final frame before closing it. */
const CLOSE_WAIT_MS = 2_000;

export function dashboardSink(stdout: NodeJS.WriteStream): Sink {
  let screen: { done: Promise<void>; unmount(): void } | undefined;
  return {
    async attach(bus, control) {
      const { startDashboard } = await import("../../tui/index.js");
      // The bus is the store: the dashboard reads its snapshot through a throttle.
      screen = startDashboard(bus, { mode: "run", onQuit: () => control.stop(), stdout });
    },
    async detach() {
      if (!screen) return;
      // After session:end the dashboard closes itself; bound the wait all the same.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      });
      await Promise.race([screen.done, timeout]);
      clearTimeout(timer);
      screen.unmount();
      await screen.done;
    },
  };
}
