import { useSyncExternalStore } from "react";
import type { SessionState } from "../../engine/state.js";
import type { StateSource } from "../store.js";

/** The snapshot the source holds now; re-renders when it notifies. */
export function useSessionState(source: StateSource): SessionState {
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}
