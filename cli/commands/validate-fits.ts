/**
 * What `validate` can know about placement from the file alone: the
 * workload's `allocation` sizes, where given, stand in for the nodes `run`
 * will get. A size not given is detected when the run starts, so that part
 * of the check waits for `run` (or `plan`, which takes it from flags).
 */
import {
  checkFits,
  expandServices,
  isFlotillaError,
  type LoadedWorkload,
  requestOf,
  syntheticNodes,
} from "../../engine/index.js";

export interface PlacementCheck {
  /** Against the allocation's cores and GPUs, one of them, or neither (not given in the file). */
  placement: "checked" | "partly checked" | "not checked";
  /** What it was checked against, or what it needs. */
  detail: string;
}

/** Throws checkFits's FlotillaError (PLACEMENT_IMPOSSIBLE, exit 2) for what can never be placed. */
export function checkPlacement(loaded: LoadedWorkload): PlacementCheck {
  const { allocation } = loaded.workload;
  const nodes = allocation.nodes ?? 1;
  // Nothing asks for a GPU: how many the nodes have cannot matter.
  const gpusMatter = demand(loaded, "gpus") > 0;
  const knowCores = allocation.cores !== undefined;
  const knowGpus = allocation.gpus !== undefined || !gpusMatter;
  if (!knowCores && !knowGpus) {
    return {
      placement: "not checked",
      detail: "allocation.cores and allocation.gpus are not given; run checks placement on the nodes it gets",
    };
  }
  // A size not given is made big enough never to be the reason something does not fit.
  const cores = allocation.cores ?? demand(loaded, "cores") + 1;
  const gpus = allocation.gpus ?? (gpusMatter ? demand(loaded, "gpus") + 1 : 0);
  const missing = knowCores ? "allocation.gpus" : "allocation.cores";
  try {
    checkFits(loaded, syntheticNodes(nodes, cores, gpus));
  } catch (error) {
    if (isFlotillaError(error) && !(knowCores && knowGpus)) {
      error.message += `\n  (${missing} is not given: the check counted as many as the workload could use)`;
    }
    throw error;
  }
  const shape = `${nodes} node${nodes === 1 ? "" : "s"}`;
  const gpuPart = allocation.gpus !== undefined ? `${gpus} GPUs` : "no GPUs asked for";
  if (knowCores && knowGpus) {
    return { placement: "checked", detail: `against the allocation: ${shape} × ${cores} cores, ${gpuPart}` };
  }
  const known = knowCores ? `${cores} cores` : `${gpus} GPUs`;
  return {
    placement: "partly checked",
    detail: `against ${shape} × ${known}; ${missing} is not given, so run checks the rest on the nodes it gets`,
  };
}

/** Every service instance at once plus the largest task: all the workload can ask of one node. */
function demand(loaded: LoadedWorkload, what: "cores" | "gpus"): number {
  const services = expandServices(loaded.workload).reduce((sum, s) => sum + s.spec[what], 0);
  const tasks = loaded.workload.tasks.map((t) => requestOf(t)[what] * (t.ranks ?? 1));
  return services + Math.max(0, ...tasks);
}
