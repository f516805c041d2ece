/**
 * The import surface of the engine for a service host process (`flotilla
 * service-host`, `flotilla serve`): only what a host needs, so that a host,
 * started once per instance, loads neither the engine nor the dashboard nor
 * the metrics (docs/architecture.md). Everything here is also in index.ts.
 */
export { EXIT_CODES, errorMessage, exitCodeFor, FlotillaError, isFlotillaError } from "./errors.js";
export { readAllowList, readSecretKeyFile } from "./request/auth/key-files.js";
export { describeExit } from "./request/host/backend-process.js";
export { formatReadyLine, type ReadyLine } from "./request/host/ready-line.js";
export { type HostConfig, type RunningHost, startHost } from "./request/host/start.js";
export { BACKENDS, type BackendName } from "./workload/backends.js";
export { parseDuration } from "./workload/duration.js";
export { grouped } from "./workload/limits.js";
export type { ReadySpec } from "./workload/schema.js";
