/**
 * The end of a run that stays up (`flotilla up`): instead of ending when the
 * workload's tasks have, it serves its control socket until `down`, the idle
 * timeout, the walltime or a signal. Everything before (placement, services,
 * the task queue) and after (teardown) is the batch run's own code.
 */
import type { EventBus } from "../bus.js";
import type { Allocation } from "../platform/types.js";
import { Pilot, type PilotOptions } from "./control/pilot.js";
import type { FatalCause } from "./fatal.js";
import type { ServiceSet } from "./services.js";
import type { TaskRunner } from "./tasks.js";
import type { Teardown } from "./teardown.js";

export interface PilotRunParts {
  options: PilotOptions;
  bus: EventBus;
  sessionDir: string;
  allocation: Allocation;
  services: ServiceSet;
  tasks: TaskRunner;
  teardown: Teardown;
  fatal: FatalCause;
}

/** Creates the pilot (it must see every task event, so before the first pump) and its teardown steps. */
export function createPilot(parts: PilotRunParts): Pilot {
  const pilot = new Pilot(parts.options, {
    sessionDir: parts.sessionDir,
    bus: parts.bus,
    tasks: parts.tasks,
    services: parts.services,
    nodes: parts.allocation.nodes,
    signal: parts.fatal.signal,
  });
  // No new submission once teardown begins (added last, so runs first); answers to waits go out at the end.
  parts.teardown.first(() => pilot.stopAccepting());
  parts.teardown.add(() => pilot.close());
  return pilot;
}

/** Serves until the session should end; returns why (the caller adds whether a task failed). */
export async function servePilot(
  pilot: Pilot,
  parts: PilotRunParts,
  servicesUp: Promise<void>,
  stop: Promise<string | undefined>,
): Promise<string | undefined> {
  await pilot.start();
  void servicesUp.then(() => {
    if (!parts.fatal.signal.aborted) parts.options.onReady?.({ socket: pilot.socket });
  });
  return Promise.race([pilot.ended, stop]);
}
