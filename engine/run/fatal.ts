import { errorMessage, FlotillaError, isFlotillaError } from "../errors.js";

/**
 * The first reason a run must stop early: the caller's signal (its reason, a
 * FlotillaError INTERRUPTED or TERMINATED, decides the exit code), a start-up
 * failure, the walltime. `signal` aborts on the first one; later ones are
 * consequences and are ignored.
 */
export class FatalCause {
  private readonly controller = new AbortController();
  private cause: FlotillaError | undefined;
  private readonly onAbort: () => void;

  constructor(private readonly outer: AbortSignal) {
    this.onAbort = () => {
      const reason: unknown = outer.reason;
      this.set(
        isFlotillaError(reason) ? reason : new FlotillaError("INTERRUPTED", interruption(reason), { cause: reason }),
      );
    };
    if (outer.aborted) this.onAbort();
    else outer.addEventListener("abort", this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get error(): FlotillaError | undefined {
    return this.cause;
  }

  /** Records `error` unless a cause is already set, and aborts the run. A non-Flotilla error is INTERNAL. */
  set(error: unknown): void {
    if (this.cause) return;
    this.cause = isFlotillaError(error)
      ? error
      : new FlotillaError("INTERNAL", `internal error: ${errorMessage(error)}`, { cause: error });
    this.controller.abort(this.cause);
  }

  dispose(): void {
    this.outer.removeEventListener("abort", this.onAbort);
  }
}

/** A reasonless abort() carries a DOMException whose message ("This operation was aborted") says nothing. */
function interruption(reason: unknown): string {
  if (reason instanceof Error && reason.name === "AbortError") return "interrupted";
  return `interrupted: ${errorMessage(reason)}`;
}
