/**
 * The wire protocol between service hosts (ZeroMQ ROUTER) and clients
 * (DEALER). docs/protocol.md is the contract; this file is its one
 * implementation in TypeScript. Every message is two frames after the
 * routing id: a msgpack header map (always with `v`) and raw payload bytes.
 */

import { Decoder, Encoder } from "@msgpack/msgpack";
import type { RequestTiming } from "../../metrics/timing.js";

export const PROTOCOL_VERSION = 1 as const;

/** Largest header frame a host or client accepts. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Default largest payload frame; a host may be configured higher or lower. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Longest correlation id (string ids), in UTF-8 bytes. */
export const MAX_ID_BYTES = 128;
/** Most requests a host takes in one batch message (docs/protocol.md, "Batches"). */
export const MAX_BATCH = 64;
/**
 * Most pairs Flotilla itself puts in one message: small enough that the
 * other end starts on the first group while this one builds the next.
 */
export const SEND_BATCH = 8;
/** HTTP path used by openai backends when a request names none. */
export const DEFAULT_PATH = "/v1/completions";

/** `cancel`: the client no longer wants request `id` ("Cancelling"); it has no reply of its own. */
export const REQUEST_KINDS = ["request", "ping", "status", "cancel"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** `chunk`: part of a streamed reply ("Streaming"); more replies with the same id follow. */
export const REPLY_KINDS = ["reply", "error", "pong", "status", "chunk"] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];

export const ERROR_CODES = [
  "malformed",
  "too_large",
  "unsupported_version",
  "unknown_kind",
  "wrong_service",
  "rejected",
  "expired",
  "backend_error",
  "backend_unreachable",
  "shutting_down",
  "canceled",
  "internal",
] as const;
export type ProtocolErrorCode = (typeof ERROR_CODES)[number];

// Which codes are `retryable` on the wire, and what each means to the dispatcher: dispatch/outcome-table.ts.

export type CorrelationId = number | string;

export interface RequestHeader {
  v: typeof PROTOCOL_VERSION;
  id: CorrelationId;
  kind: RequestKind;
  /** Service the request is for; a host answers `wrong_service` when it serves another one. */
  service?: string;
  /** HTTP path for openai backends (default /v1/completions). */
  path?: string;
  method?: "POST" | "GET";
  /** A request still queued this long after it was received is answered `expired`. */
  timeout_ms?: number;
  /** The client reads several replies in one message ("Batches"); only sent to hosts that offer it. */
  batch?: boolean;
  /** The client takes the answer in pieces as the backend produces them ("Streaming"). */
  stream?: boolean;
}

/**
 * Host timestamps: milliseconds since the Unix epoch as float64, read from the
 * host's monotonic clock anchored once at start. Differences between them are
 * exact; comparing them with another machine's clock is never needed.
 */
export interface HostTimestamps {
  received: number;
  dequeued?: number;
  backend_start?: number;
  backend_end?: number;
  sent: number;
}

export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
  retryable: boolean;
}

export interface ReplyHeader {
  v: typeof PROTOCOL_VERSION;
  /** The request's id; null when the request's header could not be read. */
  id: CorrelationId | null;
  kind: ReplyKind;
  service: string;
  /** Which host answered: `<service>@<hostname>:<pid>`. */
  host: string;
  /** The backend's HTTP status (openai backends). */
  http_status?: number;
  error?: ProtocolError;
  ts: HostTimestamps;
  /** Set by hosts that take batches: the most requests they accept in one message. */
  batch?: number;
}

/** The JSON payload of a `status` reply. */
export interface HostStatus {
  service: string;
  backend: string;
  host: string;
  endpoint: string;
  inflight: number;
  queue_depth: number;
  max_inflight: number;
  max_queue: number;
  uptime_ms: number;
  /** How clients are kept out: CURVE keys, a private ipc socket, or nothing (`--insecure`). */
  auth: "curve" | "ipc" | "none";
  counters: HostCounters;
}

export interface HostCounters {
  received: number;
  completed: number;
  errors: number;
  rejected: number;
  expired: number;
  malformed: number;
  dropped: number;
  /** Requests the client cancelled while they were queued or running. */
  canceled: number;
  /** Connections refused by CURVE: a client key not allowed, a wrong server key, no keys at all. */
  auth_failures: number;
}

export type Frame = Buffer | Uint8Array;
/** What may be sent: bytes, or text that ZeroMQ sends as its UTF-8 bytes (JSON bodies, without a Buffer in between). */
export type OutFrame = Frame | string;

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder({ maxStrLength: MAX_HEADER_BYTES, maxMapLength: 64, maxArrayLength: 64 });

export function encodeHeader(header: RequestHeader | ReplyHeader): Uint8Array {
  return encoder.encode(header);
}

const EMPTY = new Uint8Array(0);

export function encodeRequest(header: RequestHeader, payload: Frame = EMPTY): Frame[] {
  return [encodeHeader(header), payload];
}

/** Why a frame set could not be read; `id` is set when the header was readable enough to name it. */
export interface DecodeFailure {
  ok: false;
  code: ProtocolErrorCode;
  message: string;
  id: CorrelationId | null;
}

export interface DecodedRequest {
  ok: true;
  header: RequestHeader;
  payload: Frame;
}

function failure(code: ProtocolErrorCode, message: string, id: CorrelationId | null = null): DecodeFailure {
  return { ok: false, code, message, id };
}

function readMap(frame: Frame | undefined): Record<string, unknown> | string {
  if (frame === undefined || frame.length === 0) return "missing header frame";
  if (frame.length > MAX_HEADER_BYTES) return `header frame is ${frame.length} bytes (limit ${MAX_HEADER_BYTES})`;
  let value: unknown;
  try {
    value = decoder.decode(frame);
  } catch (error) {
    return `header is not msgpack: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) {
    return "header is not a msgpack map";
  }
  return value as Record<string, unknown>;
}

function readId(value: unknown): CorrelationId | null | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string" && Buffer.byteLength(value) <= MAX_ID_BYTES) return value;
  return value === undefined ? undefined : null;
}

/**
 * Reads the frames of one request as the host sees them after the routing
 * id (and after an optional empty delimiter). Never throws.
 */
export function decodeRequest(
  frames: Frame[],
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): DecodedRequest | DecodeFailure {
  if (frames.length < 1 || frames.length > 2) {
    return failure("malformed", `expected 1 or 2 frames (header, payload), got ${frames.length}`);
  }
  const map = readMap(frames[0]);
  if (typeof map === "string") {
    return failure(frames[0] !== undefined && frames[0].length > MAX_HEADER_BYTES ? "too_large" : "malformed", map);
  }
  const id = readId(map.id);
  if (id === undefined || id === null) {
    return failure(
      "malformed",
      `header field 'id' must be an unsigned integer or a string of at most ${MAX_ID_BYTES} bytes`,
    );
  }
  if (map.v !== PROTOCOL_VERSION) {
    return failure(
      "unsupported_version",
      `header field 'v' is ${JSON.stringify(map.v)}; this host speaks v${PROTOCOL_VERSION}`,
      id,
    );
  }
  const kind = map.kind;
  if (typeof kind !== "string" || !(REQUEST_KINDS as readonly string[]).includes(kind)) {
    return failure("unknown_kind", `header field 'kind' must be one of ${REQUEST_KINDS.join(", ")}`, id);
  }
  const payload = frames[1] ?? EMPTY;
  if (payload.length > maxPayloadBytes) {
    return failure("too_large", `payload frame is ${payload.length} bytes (limit ${maxPayloadBytes})`, id);
  }
  const header: RequestHeader = { v: PROTOCOL_VERSION, id, kind: kind as RequestKind };
  const problem = copyOptional(map, header);
  if (problem !== undefined) return failure("malformed", problem, id);
  return { ok: true, header, payload };
}

function copyOptional(map: Record<string, unknown>, header: RequestHeader): string | undefined {
  if (map.service !== undefined && map.service !== null) {
    if (typeof map.service !== "string") return "header field 'service' must be a string";
    header.service = map.service;
  }
  if (map.path !== undefined && map.path !== null) {
    if (typeof map.path !== "string" || !map.path.startsWith("/")) return "header field 'path' must start with '/'";
    header.path = map.path;
  }
  if (map.method !== undefined && map.method !== null) {
    if (map.method !== "POST" && map.method !== "GET") return "header field 'method' must be POST or GET";
    header.method = map.method;
  }
  if (map.timeout_ms !== undefined && map.timeout_ms !== null) {
    if (typeof map.timeout_ms !== "number" || !(map.timeout_ms > 0)) return "header field 'timeout_ms' must be > 0";
    header.timeout_ms = map.timeout_ms;
  }
  if (map.batch !== undefined && map.batch !== null) {
    if (typeof map.batch !== "boolean") return "header field 'batch' must be a boolean";
    if (map.batch) header.batch = true;
  }
  if (map.stream !== undefined && map.stream !== null) {
    if (typeof map.stream !== "boolean") return "header field 'stream' must be a boolean";
    if (map.stream) header.stream = true;
  }
  return undefined;
}

/**
 * Splits what follows the routing id (and an optional empty delimiter) into
 * requests: one or two frames are one request; an even number from four up
 * is a batch of header/payload pairs. Anything else cannot be paired.
 */
export function splitRequests(frames: Frame[]): Frame[][] | string {
  if (frames.length <= 2) return [frames];
  if (frames.length % 2 !== 0) {
    return `expected 1 or 2 frames (header, payload), or header/payload pairs for a batch; got ${frames.length}`;
  }
  const requests: Frame[][] = [];
  for (let i = 0; i < frames.length; i += 2) requests.push([frames[i]!, frames[i + 1]!]);
  return requests;
}

export interface DecodedReply {
  header: ReplyHeader;
  payload: Frame;
}

/** Reads a reply as a DEALER client sees it; returns a reason string when it is not one. */
export function decodeReply(frames: Frame[]): DecodedReply | string {
  const start = frames.length === 3 && frames[0]?.length === 0 ? 1 : 0;
  return readReply(frames[start], frames[start + 1]);
}

/**
 * Reads every reply in a message: one reply, or a batch of header/payload
 * pairs (sent only to clients that asked for batches). Each entry is a reply
 * or the reason it is unreadable.
 */
export function decodeReplies(frames: Frame[]): (DecodedReply | string)[] {
  if (frames.length <= 2 || (frames.length === 3 && frames[0]?.length === 0)) return [decodeReply(frames)];
  if (frames.length % 2 !== 0) return [`a reply batch needs header/payload pairs; got ${frames.length} frames`];
  const replies: (DecodedReply | string)[] = [];
  for (let i = 0; i < frames.length; i += 2) replies.push(readReply(frames[i], frames[i + 1]));
  return replies;
}

function readReply(head: Frame | undefined, payload: Frame | undefined): DecodedReply | string {
  const map = readMap(head);
  if (typeof map === "string") return map;
  if (map.v !== PROTOCOL_VERSION) return `reply version ${JSON.stringify(map.v)} is not v${PROTOCOL_VERSION}`;
  if (typeof map.kind !== "string" || !(REPLY_KINDS as readonly string[]).includes(map.kind)) {
    return "reply has no known 'kind'";
  }
  const ts = map.ts as Partial<HostTimestamps> | undefined;
  if (ts === undefined || typeof ts.received !== "number" || typeof ts.sent !== "number") {
    return "reply has no 'ts.received'/'ts.sent'";
  }
  return { header: map as unknown as ReplyHeader, payload: payload ?? EMPTY };
}

/** Whether an HTTP content-type names an event stream: what a streaming backend answers with. */
export function isEventStream(contentType: string | null | undefined): boolean {
  return contentType?.toLowerCase().startsWith("text/event-stream") ?? false;
}

/** The latency breakdown of one request (docs/protocol.md, "Timing"): the metrics' own type. */
export type Timing = RequestTiming;

export function timingOf(ts: HostTimestamps, roundTripMs: number): Timing {
  const hostMs = Math.max(0, ts.sent - ts.received);
  const inference =
    ts.backend_start !== undefined && ts.backend_end !== undefined ? Math.max(0, ts.backend_end - ts.backend_start) : 0;
  return {
    communication_ms: Math.max(0, roundTripMs - hostMs),
    service_ms: Math.max(0, hostMs - inference),
    inference_ms: inference,
    total_ms: roundTripMs,
  };
}
