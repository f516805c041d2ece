import type { EngineEvent } from "../../engine/index.js";
import type { Sink } from "./types.js";

/** `--json`: every event as one JSON line on `out`, nothing else on it. */
export function ndjsonSink(out: NodeJS.WritableStream): Sink {
  let unsubscribe: (() => void) | undefined;
  return {
    attach(bus) {
      unsubscribe = bus.subscribe((event: EngineEvent) => {
        out.write(`${JSON.stringify(event)}\n`);
      });
    },
    async detach() {
      unsubscribe?.();
    },
  };
}
