import type { Slot } from "../resources.js";

/**
 * Environment that pins a process to the GPUs it was given, for CUDA and ROCm.
 *
 * Work that got no GPUs gets the variables set to the empty string rather than
 * left unset: unset means "every GPU" to CUDA and ROCm, so a CPU task could
 * otherwise grab a GPU another service was placed on. CUDA treats an empty
 * CUDA_VISIBLE_DEVICES as "no devices".
 */
export function gpuEnv(gpuIds: readonly number[]): Record<string, string> {
  const ids = gpuIds.join(",");
  return {
    CUDA_VISIBLE_DEVICES: ids,
    HIP_VISIBLE_DEVICES: ids,
    ROCR_VISIBLE_DEVICES: ids,
    FLOTILLA_GPU_IDS: ids,
  };
}

/** gpuEnv plus where the process was placed: FLOTILLA_CORE_IDS and FLOTILLA_NODE. */
export function placementEnv(slot: Slot): Record<string, string> {
  return {
    ...gpuEnv(slot.gpus),
    FLOTILLA_CORE_IDS: slot.cores.join(","),
    FLOTILLA_NODE: slot.node,
  };
}
