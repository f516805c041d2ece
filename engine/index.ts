/**
 * The one import surface of the engine for cli/ and tui/. Everything a
 * command or the dashboard needs is re-exported here; reach past it only for
 * tests.
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
export { type Reply, type RequestOptions, ServiceClient, type ServiceClientOptions } from "./request/client.js";
export { isLoopback } from "./request/front-auth.js";
export { describeExit } from "./request/host/backend-process.js";
export { formatReadyLine, parseReadyLine, READY_PATTERN, type ReadyLine } from "./request/host/ready-line.js";
export { type HostConfig, type RunningHost, startHost } from "./request/host/start.js";
export type { HostStatus, Timing } from "./request/protocol.js";
export { RequestPath, type RequestPathOptions } from "./request/request-path.js";
export type { TaskExecutor } from "./run/tasks.js";
export { warningLeadMs } from "./run/walltime.js";
export type { InstanceContext, InstanceDriver, LaunchPlan, ReadyContext, ReadyResult } from "./service/driver.js";
export { EndpointRegistry, type PublishedInstance, serviceUrlsVariable } from "./service/endpoints.js";
export {
  ENDPOINTS_FILE,
  type EndpointsFile,
  type EndpointsFileInstance,
  type EndpointsFileService,
} from "./service/endpoints-file.js";
export {
  createSessionDir,
  DEFAULT_SESSIONS_DIR,
  engineLiveness,
  engineRecordFor,
  flushOpenSinksSync,
  readEventsFile,
  type SessionDir,
  startHeartbeat,
  writeEngineRecord,
} from "./session/index.js";
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
export { type LoadedWorkload, loadWorkload } from "./workload/load.js";
export { BACKENDS, type BackendName, type ReadySpec, type Workload } from "./workload/schema.js";
