import { FlotillaError } from "../errors.js";
import type { ResourcePool } from "../scheduler/pool.js";
import type { TaskInstance } from "../workload/expand.js";

/**
 * With every service instance placed (they hold their cores and GPUs for the
 * whole run), each task must fit in what is left when no other task runs;
 * otherwise it would wait forever. Checked once per request shape, leaving the
 * pool as it was.
 */
export function checkTasksFit(pool: ResourcePool, units: readonly TaskInstance[]): void {
  const seen = new Set<string>();
  for (const unit of units) {
    const { cores, gpus, ranks } = unit.spec;
    const shape = `${cores}/${gpus}/${ranks ?? 0}`;
    if (seen.has(shape)) continue;
    seen.add(shape);
    const placement = pool.place({ cores, gpus, ...(ranks === undefined ? {} : { ranks }) });
    if (placement) {
      pool.release(placement);
      continue;
    }
    const free = pool.usage().map((node) => `${node.name}: ${node.freeCores} cores, ${node.freeGpus} GPUs`);
    throw new FlotillaError(
      "PLACEMENT_IMPOSSIBLE",
      `task ${unit.task} asks ${cores} cores and ${gpus} GPUs${ranks ? ` per rank × ${ranks} ranks` : ""}, ` +
        `which never fit next to the services (free with services placed: ${free.join("; ")})`,
      { context: { task: unit.task, cores, gpus, ranks } },
    );
  }
}
