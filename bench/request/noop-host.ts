/**
 * One Flotilla service host in its own process, for the benchmark: noop
 * (optionally with an emulated inference delay) or openai in front of a
 * backend URL. Prints its ZeroMQ endpoint, serves until SIGTERM. Limits
 * default to the workload schema's (max_inflight 8, max_queue 256).
 */
import { parseArgs } from "node:util";
import { NoopBackend } from "../../engine/request/host/noop.js";
import { OpenAiBackend } from "../../engine/request/host/openai.js";
import { ServiceHost } from "../../engine/request/host/server.js";

const { values } = parseArgs({
  options: {
    backend: { type: "string" },
    delay: { type: "string", default: "0" },
    "max-inflight": { type: "string", default: "8" },
    "max-queue": { type: "string", default: "256" },
  },
});
const delay = Number(values.delay);
const maxInflight = Number(values["max-inflight"]);
const host = new ServiceHost({
  service: "bench",
  backend: values.backend
    ? new OpenAiBackend({ url: values.backend, maxSockets: maxInflight })
    : new NoopBackend(delay > 0 ? { mean_ms: delay, sd_ms: 0 } : undefined),
  bind: "tcp://127.0.0.1:*",
  maxInflight,
  maxQueue: Number(values["max-queue"]),
});
console.log(await host.start());
process.once("SIGTERM", () => {
  void host.stop(500).then(() => process.exit(0));
});
