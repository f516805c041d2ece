/**
 * Glyphs and colours. Every state has a distinct glyph so the screen reads
 * the same with NO_COLOR (docs/tui.md lists them); colour only adds emphasis.
 */
import { createContext, useContext } from "react";
import type { LogEvent, ServiceState, TaskState } from "../engine/events.js";
import { assertNever } from "../engine/events.js";

export const INSTANCE_GLYPHS: Record<ServiceState, string> = {
  pending: "·",
  launching: "◔",
  initializing: "◑",
  ready: "●",
  failed: "✖",
  stopped: "○",
};

export const TASK_GLYPHS: Record<TaskState, string> = {
  pending: "·",
  scheduled: "◔",
  running: "▶",
  done: "✔",
  failed: "✖",
  canceled: "⊘",
  skipped: "↷",
};

/** Stacked-bar cells: request components, then bootstrap phases, in order. */
export const SEGMENT_GLYPHS = ["█", "▓", "░"] as const;

export type ColorName = "green" | "yellow" | "red" | "cyan" | "blue" | "magenta" | "gray";

export function instanceColor(state: ServiceState): ColorName {
  switch (state) {
    case "pending":
      return "gray";
    case "launching":
    case "initializing":
      return "yellow";
    case "ready":
      return "green";
    case "failed":
      return "red";
    case "stopped":
      return "gray";
    default:
      return assertNever(state, "service state");
  }
}

export function taskColor(state: TaskState): ColorName {
  switch (state) {
    case "pending":
    case "canceled":
    case "skipped":
      return "gray";
    case "scheduled":
    case "running":
      return "cyan";
    case "done":
      return "green";
    case "failed":
      return "red";
    default:
      return assertNever(state, "task state");
  }
}

export function levelColor(level: LogEvent["level"]): ColorName {
  switch (level) {
    case "debug":
    case "info":
      return "gray";
    case "warn":
      return "yellow";
    case "error":
      return "red";
    default:
      return assertNever(level, "log level");
  }
}

export const SEGMENT_COLORS: readonly ColorName[] = ["cyan", "magenta", "yellow"];

/** Whether colour is on; false under NO_COLOR (https://no-color.org). */
export const ColorContext = createContext(true);

/** `<Text {...c("red")}>`: the colour prop, or none when colour is off. */
export function useColor(): (name: ColorName) => { color?: ColorName } {
  const on = useContext(ColorContext);
  return (name) => (on ? { color: name } : {});
}
