import type { ExitRecord, RunningProcess } from "../launch/types.js";
import { announce } from "./reaper-messages.js";

/**
 * Every process group Flotilla has started and not yet seen gone, across all
 * registries. `killAllSync` uses it as the last resort on process exit.
 */
const liveGroups = new Set<number>();

export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  // The reaper stops it should this process die without running any exit hook (SIGKILL, OOM).
  announce({ t: "group", pgid });
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
  announce({ t: "ungroup", pgid });
}

/** Process-group ids still tracked (for diagnostics and tests). */
export function trackedGroups(): number[] {
  return [...liveGroups];
}

/**
 * SIGKILLs every still-tracked group at once, synchronously. Meant for
 * `process.on("exit")`, where nothing asynchronous can run any more: even an
 * unexpected crash of the engine then leaves no orphans behind. Returns how
 * many groups were signalled.
 */
export function killAllSync(): number {
  let signalled = 0;
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
      signalled += 1;
    } catch {
      // ESRCH: already gone. EPERM cannot happen for our own children.
    }
  }
  liveGroups.clear();
  return signalled;
}

/**
 * Installs `killAllSync` on the host process's `exit` event once. Call it from
 * the program entry point (the engine itself does not install process hooks).
 * Returns a function that removes it again.
 */
export function installExitGuard(host: NodeJS.Process = process): () => void {
  const onExit = (): void => {
    killAllSync();
  };
  host.on("exit", onExit);
  return () => {
    host.off("exit", onExit);
  };
}

/** The running processes one engine (or one test) started; for orderly teardown. */
export class ProcessRegistry {
  readonly #running = new Set<RunningProcess>();

  add(process: RunningProcess): void {
    this.#running.add(process);
    // Forget it once it is gone; `exited` never rejects.
    void process.exited.then(() => this.#running.delete(process));
  }

  get size(): number {
    return this.#running.size;
  }

  list(): RunningProcess[] {
    return [...this.#running];
  }

  /**
   * Stops every registered process concurrently (SIGTERM to each group, one
   * shared grace, SIGKILL) and resolves when all are gone. Processes registered
   * while it runs are stopped too, in a bounded number of rounds.
   */
  async stopAll(graceMs = 5_000): Promise<ExitRecord[]> {
    const records: ExitRecord[] = [];
    for (let round = 0; round < 5 && this.#running.size > 0; round++) {
      records.push(...(await Promise.all(this.list().map((p) => p.stop(graceMs)))));
    }
    return records;
  }
}

/** The registry every process lands in unless a launcher is given its own. */
export const defaultRegistry = new ProcessRegistry();
