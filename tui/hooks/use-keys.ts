import { useApp, useInput } from "ink";
import { useRef, useState } from "react";
import type { SessionState } from "../../engine/state.js";
import type { Prompt } from "../components/Footer.js";
import { type Percentile, workRunning } from "../selectors.js";

export type DashboardMode = "run" | "watch" | "show";

export interface ViewState {
  selected: number;
  instance: number;
  detail: boolean;
  help: boolean;
  percentile: Percentile;
  prompt: Prompt;
}

export const initialView: ViewState = {
  selected: 0,
  instance: 0,
  detail: false,
  help: false,
  percentile: "p50",
  prompt: "none",
};

function wrap(index: number, length: number): number {
  return length === 0 ? 0 : (index + length) % length;
}

/**
 * Keyboard: selection, detail, help, p50/p95 and quitting. Quitting a `run`
 * with work still going asks first; after `y` the caller's onQuit aborts the
 * engine, which tears down and ends the session (the screen then closes).
 */
export function useKeys(
  state: SessionState,
  mode: DashboardMode,
  onQuit: () => void,
  active: boolean,
  initial: Partial<ViewState> = {},
): ViewState {
  const { exit } = useApp();
  const [view, setView] = useState<ViewState>({ ...initialView, ...initial });
  // Ink may call a handler from an earlier render: read the latest values through a ref.
  const latest = useRef({ view, state, onQuit });
  latest.current = { view, state, onQuit };

  const quitNow = () => {
    latest.current.onQuit();
    if (mode === "run" && workRunning(latest.current.state)) setView((v) => ({ ...v, prompt: "quitting" }));
    else exit();
  };

  useInput(
    (input, key) => {
      const { view, state } = latest.current;
      const services = state.services.length;
      const instances = state.services[view.selected]?.instances.length ?? 0;
      const ctrlC = key.ctrl && input === "c";
      if (view.prompt === "quitting") return;
      if (view.prompt === "confirm-quit") {
        if (input === "y" || input === "Y" || ctrlC) quitNow();
        else if (input === "n" || input === "N" || key.escape) setView((v) => ({ ...v, prompt: "none" }));
        return;
      }
      if (input === "q" || ctrlC) {
        if (mode === "run" && workRunning(state)) setView((v) => ({ ...v, prompt: "confirm-quit" }));
        else quitNow();
        return;
      }
      if (input === "?") return setView((v) => ({ ...v, help: !v.help }));
      if (key.escape) return setView((v) => ({ ...v, help: false, detail: false }));
      if (input === "p") return setView((v) => ({ ...v, percentile: v.percentile === "p50" ? "p95" : "p50" }));
      if (key.return) return setView((v) => ({ ...v, detail: !v.detail && services > 0, instance: 0 }));
      const step = key.upArrow || (key.tab && key.shift) ? -1 : key.downArrow || key.tab ? 1 : 0;
      if (step === 0) return;
      setView((v) =>
        v.detail
          ? { ...v, instance: wrap(v.instance + step, instances) }
          : { ...v, selected: wrap(v.selected + step, services), instance: 0 },
      );
    },
    { isActive: active },
  );
  return view;
}
