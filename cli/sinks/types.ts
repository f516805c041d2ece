import type { EventBus } from "../../engine/index.js";

/** What a sink may do to the run it shows (the dashboard's quit key). */
export interface RunControl {
  /** Stop the run in order, as the first Ctrl-C does. */
  stop(): void;
}

/**
 * One way of showing a run. Chosen once per run (chooseSink); it reads the
 * bus, never branches on the output mode per event.
 */
export interface Sink {
  /** Start showing events (subscribe to `bus` before the engine runs). */
  attach(bus: EventBus, control: RunControl): void | Promise<void>;
  /** The run is over (session:end has been emitted): flush and let go. */
  detach(): Promise<void>;
}
