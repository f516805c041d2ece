/**
 * One error class for everything Flotilla reports to a user. The `code` says
 * what kind of failure it is; `exitCodeFor` maps codes to process exit codes
 * in one table (docs/cli.md).
 */

export type FlotillaErrorCode =
  | "USAGE"
  | "WORKLOAD_INVALID"
  | "WORKLOAD_UNREADABLE"
  | "PLACEMENT_IMPOSSIBLE"
  | "ALLOCATION_FAILED"
  | "SERVICE_START_FAILED"
  | "TASK_FAILED"
  | "WALLTIME_EXCEEDED"
  | "PLATFORM_UNAVAILABLE"
  | "PROTOCOL"
  | "REQUEST_FAILED"
  | "ENDPOINT_UNREACHABLE"
  | "INTERRUPTED"
  | "TERMINATED"
  | "SESSION_WRITE_FAILED"
  | "INTERNAL";

export interface FlotillaErrorOptions {
  cause?: unknown;
  /** Where: a file, a line, a field path, an instance, a node. */
  context?: Record<string, unknown>;
}

export class FlotillaError extends Error {
  override readonly name = "FlotillaError";
  readonly code: FlotillaErrorCode;
  readonly context: Record<string, unknown>;

  constructor(code: FlotillaErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
  }
}

export const EXIT_CODES = {
  ok: 0,
  taskFailed: 1,
  usage: 2,
  startup: 3,
  sessionWrite: 4,
  sigint: 130,
  sigterm: 143,
  /** The engine died without ending the session (SIGKILL, the OOM killer): 128 + 9, as a shell reports SIGKILL. */
  engineDied: 137,
} as const;

export function exitCodeFor(code: FlotillaErrorCode): number {
  switch (code) {
    case "USAGE":
    case "WORKLOAD_INVALID":
    case "WORKLOAD_UNREADABLE":
    case "PLACEMENT_IMPOSSIBLE":
      return EXIT_CODES.usage;
    case "ALLOCATION_FAILED":
    case "SERVICE_START_FAILED":
    case "PLATFORM_UNAVAILABLE":
    case "ENDPOINT_UNREACHABLE":
      return EXIT_CODES.startup;
    case "TASK_FAILED":
    case "WALLTIME_EXCEEDED":
    case "PROTOCOL":
    case "REQUEST_FAILED":
    case "INTERNAL":
      return EXIT_CODES.taskFailed;
    case "SESSION_WRITE_FAILED":
      return EXIT_CODES.sessionWrite;
    case "INTERRUPTED":
      return EXIT_CODES.sigint;
    case "TERMINATED":
      return EXIT_CODES.sigterm;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export function isFlotillaError(error: unknown): error is FlotillaError {
  return error instanceof Error && (error as { name?: string }).name === "FlotillaError";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
