import type { EngineEvent } from "../../engine/index.js";
import type { Sink } from "./types.js";

/** `--json`: every event as one JSON line on `out`, nothing else on it. */
export function ndjsonSink(out: NodeJS.WritableStream): Sink {
  let unsubscribe: (() => void) | undefined;
  return {
    attach(bus) {
      unsubscribe = bus.subscribe((event: EngineEvent) => {
        // Once the reader is gone (see closed-reader.ts) there is nothing to serialise for.
        if (out.writable) out.write(`${JSON.stringify(event)}\n`);
      });
    },
    async detach() {
      unsubscribe?.();
    },
  };
}
