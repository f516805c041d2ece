/** What `flotilla up` takes, and what its engine tells a detached `up` (shared by up.ts and up-detach.ts). */
import type { RunOptionValues } from "../session-runner.js";

export interface UpOptions extends RunOptionValues {
  attach?: boolean;
  detach?: boolean;
  idle?: string;
  /** Internal: run the engine in this session directory (`up --detach` made it). */
  inSession?: string;
  /** Internal: the pipe on which to say "ready" (or why not) to `up --detach`. */
  notifyFd?: string;
}

export interface ReadyNote {
  ready: boolean;
  socket?: string;
  exit_code?: number;
  reason?: string;
}
