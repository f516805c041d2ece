/**
 * What a backend sees of one request, and what it answers. A backend stamps
 * `backend_start`/`backend_end` itself, around the work it does, so the
 * host's timestamps measure exactly the backend's share.
 */
import type { BackendName } from "../../workload/schema.js";
import type { Frame, HostTimestamps, OutFrame, ProtocolErrorCode, RequestHeader } from "../wire/protocol.js";

export interface Job {
  /** Routing id (and a REQ-style empty delimiter, when the client sent one). */
  envelope: Frame[];
  /** Names the client the envelope routes to (replies for it may be combined); one string per message. */
  peer: string;
  header: RequestHeader;
  payload: Frame;
  ts: Partial<HostTimestamps> & { received: number };
  /**
   * Set when the client asked for the answer in pieces (`stream: true`). A
   * backend that streams hands each piece of the body here as it arrives and
   * then resolves with an empty payload; one that does not ignores it.
   */
  stream?: (piece: Buffer) => void;
  /**
   * Set by a backend while it works on the job asynchronously: stops that
   * work (closes the HTTP request, drops the timer) and resolves the call
   * with a `canceled` error. The host calls it when the client cancels.
   */
  cancel?: () => void;
}

export interface BackendResult {
  payload: OutFrame;
  http_status?: number;
  error?: { code: ProtocolErrorCode; message: string };
}

export interface Backend {
  readonly name: BackendName;
  /** May answer synchronously (noop without delay) to skip a promise per request. */
  call(job: Job): BackendResult | Promise<BackendResult>;
  close(): Promise<void>;
}
