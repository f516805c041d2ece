/**
 * Write errors in the session directory (a full disk, a quota, an I/O error).
 * Many parts write there (events, logs, responses, profiles); each reports a
 * failure here, and the running engine listens and stops the run in order,
 * the way the process registry lets the engine reach every process group.
 */
import { getSystemErrorMap } from "node:util";
import { errorMessage, FlotillaError } from "../errors.js";

export type WriteFailureListener = (failure: FlotillaError) => void;

const listeners = new Set<WriteFailureListener>();

/** Listens for write failures; returns the function that stops listening. */
export function onWriteFailure(listener: WriteFailureListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Reports that `path` could not be written (or created); returns the error that says so. */
export function reportWriteFailure(path: string, error: unknown): FlotillaError {
  const failure = writeFailure(path, error);
  for (const listener of [...listeners]) {
    try {
      listener(failure);
    } catch {
      // A listener's bug must not turn a write error into a crash of the writer.
    }
  }
  return failure;
}

/** "cannot write PATH: no space left on device (ENOSPC)", as a SESSION_WRITE_FAILED error. */
export function writeFailure(path: string, error: unknown): FlotillaError {
  return new FlotillaError("SESSION_WRITE_FAILED", `cannot write ${path}: ${describeFsError(error)}`, {
    cause: error,
    context: { path, errno: errnoCode(error) },
  });
}

/** A system error in words with its code, "read-only file system (EROFS)"; anything else by its message. */
export function describeFsError(error: unknown): string {
  const errno = (error as NodeJS.ErrnoException | undefined)?.errno;
  const known = typeof errno === "number" ? getSystemErrorMap().get(errno) : undefined;
  if (known) return `${known[1]} (${known[0]})`;
  const code = errnoCode(error);
  return code === undefined ? errorMessage(error) : `${errorMessage(error)} (${code})`;
}

export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
