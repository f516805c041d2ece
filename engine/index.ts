/**
 * The one import surface of the engine for cli/: everything a command needs
 * is re-exported here. The dashboard (tui/) reads only events.ts, state.ts
 * and errors.ts; tests and benchmarks may reach internals.
 * test/unit/boundaries enforces all of it (docs/architecture.md).
 */
export { EventBus, type EventBusOptions, type EventListener } from "./bus.js";
export {
  DEFAULT_TEARDOWN_GRACE_MS,
  Engine,
  type EngineOptions,
  type EngineSettings,
  type RunExtension,
} from "./engine.js";
export {
  EXIT_CODES,
  errorMessage,
  exitCodeFor,
  FlotillaError,
  type FlotillaErrorCode,
  isFlotillaError,
} from "./errors.js";
export * from "./events.js";
export { installExitGuard, killAllSync, ProcessRegistry } from "./launch/registry.js";
export { FluxJobGuard, liveFluxCancelCommands } from "./platform/flux/job-guard.js";
export { createPlatform, type PlatformOptions } from "./platform/index.js";
export { cancelLiveJobsSync } from "./platform/slurm/live-jobs.js";
export type { Allocation, AllocationRequest, Platform } from "./platform/types.js";
export { type ReaperLink, startReaper } from "./reaper/link.js";
export { runReaper } from "./reaper/reaper.js";
export {
  type CurveClientKeys,
  completeKeys,
  readClientKeys,
  readServerKey,
} from "./request/auth/client-keys.js";
export {
  certificateText,
  type KeyPair,
  readAllowList,
  readSecretKeyFile,
  writePrivateFile,
  writePublicFile,
} from "./request/auth/key-files.js";
export { newKeyPair } from "./request/auth/new-key-pair.js";
export { isCurveKey } from "./request/auth/z85.js";
export { isLoopback } from "./request/front/auth.js";
export { describeExit } from "./request/host/backend-process.js";
export { formatReadyLine, parseReadyLine, READY_PATTERN, type ReadyLine } from "./request/host/ready-line.js";
export { type HostConfig, type RunningHost, startHost } from "./request/host/start.js";
export { RequestPath, type RequestPathOptions } from "./request/request-path.js";
export {
  type ClientFailureReason,
  clientFailureReason,
  type Reply,
  type RequestOptions,
  ServiceClient,
  type ServiceClientOptions,
} from "./request/wire/client.js";
export type { HostStatus, Timing } from "./request/wire/protocol.js";
export type { Slot } from "./resources.js";
export { readControlRecord } from "./run/control/endpoint.js";
export { DOWN_REASON, type PilotOptions } from "./run/control/pilot.js";
export {
  CONTROL_FILE,
  CONTROL_VERSION,
  type ControlError,
  type ControlRecord,
  type ControlReply,
  MAX_REQUEST_BYTES,
} from "./run/control/protocol.js";
export type { TaskExecutor } from "./run/tasks.js";
export { warningLeadMs } from "./run/walltime.js";
export { checkFits } from "./scheduler/fits.js";
export {
  type NodePlan,
  type PlannedItem,
  planWorkload,
  requestOf,
  syntheticNodes,
  type WorkloadPlan,
} from "./scheduler/plan.js";
export type { InstanceContext, InstanceDriver, LaunchPlan, ReadyContext, ReadyResult } from "./service/driver.js";
export { EndpointRegistry, type PublishedInstance, serviceUrlsVariable } from "./service/endpoints.js";
export {
  ENDPOINTS_FILE,
  type EndpointsFile,
  type EndpointsFileInstance,
  type EndpointsFileService,
} from "./service/endpoints-file.js";
export {
  adoptSessionDir,
  buildSummary,
  createSessionDir,
  DEFAULT_SESSIONS_DIR,
  engineLiveness,
  engineRecordFor,
  flushOpenSinksSync,
  mkdirPrivate,
  readEventsFile,
  reaperRunning,
  type SessionDir,
  SUMMARY_FILE,
  startHeartbeat,
  writeEngineRecord,
  writePrivateFileSync,
} from "./session/index.js";
export { openPrivate } from "./session/private-fs.js";
export {
  type InstanceView,
  initialState,
  NOTABLE_LIMIT,
  reduce,
  replay,
  type ServiceView,
  type SessionState,
  serviceCounts,
  type TaskView,
  taskCounts,
} from "./state.js";
export { parseDuration } from "./workload/duration.js";
export { expandServices, expandTasks, instanceCount } from "./workload/expand.js";
export { grouped, LIMITS } from "./workload/limits.js";
export { type LoadedWorkload, loadWorkload } from "./workload/load.js";
export {
  type AllocationSpec,
  BACKENDS,
  type BackendName,
  LAUNCHERS,
  type LauncherName,
  PLATFORMS,
  type PlatformName,
  type ReadySpec,
  type Workload,
} from "./workload/schema.js";
export { taskInstanceCount } from "./workload/totals.js";
