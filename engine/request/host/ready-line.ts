/**
 * The one line `flotilla service-host` prints on stdout once it serves
 * (docs/protocol.md, "Service host process"). The engine's `log` readiness
 * probe matches READY_PATTERN; its capture group is the JSON object.
 */

export const READY_PREFIX = "FLOTILLA_READY ";
export const READY_PATTERN = "^FLOTILLA_READY (\\{.*\\})$";

export interface ReadyLine {
  /** The bound ZeroMQ endpoint clients connect to. */
  zmq: string;
  /** The backend's OpenAI base URL (…/v1); openai backends only. */
  endpoint?: string;
  service: string;
  backend: string;
  /** Host start → backend ready and socket bound. */
  init_ms: number;
  pid: number;
  /** Process group of the backend command, when there is one. */
  backend_pgid?: number;
}

export function formatReadyLine(ready: ReadyLine): string {
  return `${READY_PREFIX}${JSON.stringify(ready)}`;
}

/** Reads a ready line (or just its JSON group); undefined when it is not one. */
export function parseReadyLine(text: string): ReadyLine | undefined {
  const json = text.startsWith(READY_PREFIX) ? text.slice(READY_PREFIX.length) : text;
  try {
    const value = JSON.parse(json) as Partial<ReadyLine>;
    return typeof value?.zmq === "string" ? (value as ReadyLine) : undefined;
  } catch {
    return undefined;
  }
}
