import { FlotillaError } from "../engine/index.js";

export interface SignalHandlers {
  /** The first SIGINT/SIGTERM: stop the run in order (teardown, session:end). */
  abort(reason: FlotillaError): void;
  /** A second one: skip the grace and kill everything now. */
  force(): void;
}

/**
 * First SIGINT or SIGTERM aborts the run with INTERRUPTED (exit 130) or
 * TERMINATED (exit 143); a second one forces a fast kill. Returns the function
 * that removes the handlers again.
 */
export function installSignalHandlers(handlers: SignalHandlers, host: NodeJS.Process = process): () => void {
  let received = 0;
  const on = (signal: "SIGINT" | "SIGTERM") => () => {
    received += 1;
    if (received === 1) {
      const code = signal === "SIGINT" ? "INTERRUPTED" : "TERMINATED";
      host.stderr.write(`flotilla: ${signal} received, stopping (again to kill at once)\n`);
      handlers.abort(new FlotillaError(code, `interrupted by ${signal}`, { context: { signal } }));
    } else {
      host.stderr.write(`flotilla: ${signal} received again, killing everything now\n`);
      handlers.force();
    }
  };
  const onInt = on("SIGINT");
  const onTerm = on("SIGTERM");
  host.on("SIGINT", onInt);
  host.on("SIGTERM", onTerm);
  return () => {
    host.off("SIGINT", onInt);
    host.off("SIGTERM", onTerm);
  };
}
