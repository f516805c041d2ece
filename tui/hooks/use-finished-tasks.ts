import { useRef } from "react";
import type { SessionState, TaskView } from "../../engine/state.js";
import { isFinished } from "../selectors.js";

/**
 * Finished tasks in the order the screen saw them finish, append-only, as
 * Ink's <Static> wants (it prints only items past the last length it saw).
 */
export function useFinishedTasks(state: SessionState): TaskView[] {
  const seen = useRef<{ ids: Set<string>; list: TaskView[] }>({ ids: new Set(), list: [] });
  const fresh: TaskView[] = [];
  for (const id of state.taskOrder) {
    const task = state.tasks[id];
    if (task && isFinished(task) && !seen.current.ids.has(id)) fresh.push(task);
  }
  if (fresh.length > 0) {
    fresh.sort((a, b) => a.since - b.since);
    for (const task of fresh) seen.current.ids.add(task.id);
    seen.current.list = [...seen.current.list, ...fresh];
  }
  return seen.current.list;
}
