/** @jsxRuntime automatic */
import { Text } from "ink";
import { useColor } from "../theme.js";

export type Prompt = "none" | "confirm-quit" | "quitting";

export function Footer({ prompt, mode, detail }: { prompt: Prompt; mode: string; detail: boolean }) {
  const c = useColor();
  if (prompt === "confirm-quit")
    return (
      <Text wrap="truncate" {...c("yellow")} bold>
        Work is still running. Quit and tear everything down? (y/n)
      </Text>
    );
  if (prompt === "quitting")
    return (
      <Text wrap="truncate" {...c("yellow")}>
        Tearing down… (stopping services and tasks)
      </Text>
    );
  return (
    <Text wrap="truncate" {...c("gray")}>
      {mode === "watch" ? "read-only · " : ""}q quit · ? help · ↑↓/tab select · enter {detail ? "back" : "detail"} · p
      median/p95
    </Text>
  );
}
