/**
 * Waits on tasks of a running session: remembers each task's `task:state`
 * events (a handful per task) so `wait` can answer at once for tasks that
 * already ended, and later for the rest, with their events when asked.
 */
import type { EventBus } from "../../bus.js";
import type { TaskState, TaskStateEvent } from "../../events.js";

const ENDED: ReadonlySet<TaskState> = new Set(["done", "failed", "canceled", "skipped"]);

interface Waiter {
  open: Set<string>;
  resolve: () => void;
}

export class TaskWaits {
  private readonly history = new Map<string, TaskStateEvent[]>();
  private readonly waiters = new Set<Waiter>();
  private readonly byTask = new Map<string, Set<Waiter>>();
  private readonly unsubscribe: () => void;

  constructor(bus: EventBus) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event.type !== "task:state") return;
      const list = this.history.get(event.id);
      if (list) list.push(event);
      else this.history.set(event.id, [event]);
      if (!ENDED.has(event.state)) return;
      for (const waiter of this.byTask.get(event.id) ?? []) {
        waiter.open.delete(event.id);
        if (waiter.open.size === 0) this.settle(waiter);
      }
      this.byTask.delete(event.id);
    });
  }

  /** Resolves with each task's last event once all have ended. */
  async wait(ids: readonly string[]): Promise<TaskStateEvent[]> {
    const open = new Set(ids.filter((id) => !this.hasEnded(id)));
    if (open.size > 0) {
      await new Promise<void>((resolve) => {
        const waiter: Waiter = { open, resolve };
        this.waiters.add(waiter);
        for (const id of open) {
          const set = this.byTask.get(id);
          if (set) set.add(waiter);
          else this.byTask.set(id, new Set([waiter]));
        }
      });
    }
    return ids.map((id) => this.history.get(id)?.at(-1)).filter((e): e is TaskStateEvent => e !== undefined);
  }

  eventsOf(ids: readonly string[]): TaskStateEvent[] {
    return ids.flatMap((id) => this.history.get(id) ?? []);
  }

  /** The session is ending: answer every wait with what there is. */
  closeAll(): void {
    for (const waiter of [...this.waiters]) this.settle(waiter);
    this.unsubscribe();
  }

  private hasEnded(id: string): boolean {
    const last = this.history.get(id)?.at(-1);
    return last !== undefined && ENDED.has(last.state);
  }

  private settle(waiter: Waiter): void {
    this.waiters.delete(waiter);
    for (const id of waiter.open) this.byTask.get(id)?.delete(waiter);
    waiter.resolve();
  }
}
