export { engineDiedReason, recordEngineDeath } from "./death-record.js";
export {
  ENGINE_FILE,
  type EngineLiveness,
  type EngineRecord,
  engineLiveness,
  engineRecordFor,
  HEARTBEAT_FILE,
  reaperRunning,
  startHeartbeat,
  writeEngineRecord,
} from "./engine-record.js";
export { EventsFileSink, type EventsFileSinkOptions, flushOpenSinksSync } from "./events-sink.js";
export {
  copyPrivateFileSync,
  createPrivateWriteStream,
  makeDirPrivate,
  mkdirPrivate,
  openPrivate,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  replacePrivateFileSync,
  writePrivateFileSync,
} from "./private-fs.js";
export { readEventsFile } from "./read-events.js";
export {
  adoptSessionDir,
  createSessionDir,
  DEFAULT_SESSIONS_DIR,
  logFileName,
  type SessionDir,
  type SessionDirOptions,
} from "./session-dir.js";
export { newSessionId, SESSION_ID_PATTERN } from "./session-id.js";
export { buildSummary, type SessionSummary, SUMMARY_FILE, writeSummary } from "./summary.js";
export { describeFsError, onWriteFailure, reportWriteFailure, writeFailure } from "./write-errors.js";
