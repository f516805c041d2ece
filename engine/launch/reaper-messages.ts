/**
 * What the engine tells its reaper (engine/reaper): one JSON object a line
 * on the reaper's stdin. Everything the engine starts or holds is announced
 * here as it happens, so a reaper that sees the pipe close without `end`
 * knows exactly what to stop.
 */
export type ReaperMessage =
  /** A process group the engine started (it leads its own group). */
  | { t: "group"; pgid: number }
  | { t: "ungroup"; pgid: number }
  /** A Slurm job the engine submitted and owns: cancel the whole job. */
  | { t: "job"; id: string; scancel: string }
  | { t: "unjob"; id: string }
  /** A step the engine started inside a job it does not own: cancel only the step. */
  | { t: "step"; job: string; name: string; scancel: string; squeue: string }
  | { t: "unstep"; job: string; name: string }
  /** The engine is ending in order: the reaper exits without touching anything. */
  | { t: "end" };

type Listener = (message: ReaperMessage) => void;
const listeners = new Set<Listener>();

/** Tells every listening reaper link; a failing listener never breaks a launch. */
export function announce(message: ReaperMessage): void {
  for (const listener of listeners) {
    try {
      listener(message);
    } catch {
      // The reaper is a safety net; losing it must not stop the run.
    }
  }
}

export function onAnnounce(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

const KINDS: ReadonlySet<string> = new Set(["group", "ungroup", "job", "unjob", "step", "unstep", "end"]);

/** One line of the pipe; anything that is not a known message is skipped (undefined). */
export function parseReaperMessage(line: string): ReaperMessage | undefined {
  try {
    const value = JSON.parse(line) as { t?: unknown };
    return typeof value === "object" && value !== null && typeof value.t === "string" && KINDS.has(value.t)
      ? (value as ReaperMessage)
      : undefined;
  } catch {
    return undefined;
  }
}
