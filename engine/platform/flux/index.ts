export { batchArgs } from "./batch-instance.js";
export { FluxCli } from "./flux-cli.js";
export { FluxLauncher, type FluxLauncherOptions } from "./flux-launcher.js";
export { FluxPlatform, type FluxPlatformOptions } from "./flux-platform.js";
export { FluxJobGuard, liveFluxCancelCommands } from "./job-guard.js";
export { buildJobspec, evenLayout, taskOrder } from "./jobspec.js";
export { encodeIdset, type FluxRank, type FluxResources, idset, parseR } from "./resources.js";
export { FluxSubmitter } from "./submitter.js";
export { reapingCommand } from "./task-wrapper.js";
