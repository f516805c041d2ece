/**
 * One Flotilla service host in its own process, for the benchmark: noop
 * (optionally with an emulated inference delay, or --cpu MS of CPU burnt per
 * request) or openai in front of a backend URL. Prints its ZeroMQ endpoint, serves until SIGTERM. Limits
 * default to the workload schema's (max_inflight 8, max_queue 256). With
 * --curve-secret FILE --curve-clients FILE it authenticates as a launched
 * host on another node does; --bind picks the endpoint (ipc:// for a local one).
 */
import { parseArgs } from "node:util";
import { readAllowList, readSecretKeyFile } from "../../engine/request/auth/key-files.js";
import { NoopBackend } from "../../engine/request/host/noop.js";
import { OpenAiBackend } from "../../engine/request/host/openai.js";
import { ServiceHost } from "../../engine/request/host/server.js";
import { CpuBackend } from "./cpu-backend.js";

const { values } = parseArgs({
  options: {
    backend: { type: "string" },
    delay: { type: "string", default: "0" },
    cpu: { type: "string", default: "0" },
    "max-inflight": { type: "string", default: "8" },
    "max-queue": { type: "string", default: "256" },
    bind: { type: "string", default: "tcp://127.0.0.1:*" },
    "curve-secret": { type: "string" },
    "curve-clients": { type: "string" },
  },
});
const secretFile = values["curve-secret"];
const clientsFile = values["curve-clients"];
const delay = Number(values.delay);
const cpu = Number(values.cpu);
const maxInflight = Number(values["max-inflight"]);
const host = new ServiceHost({
  service: "bench",
  backend: values.backend
    ? new OpenAiBackend({ url: values.backend, maxSockets: maxInflight })
    : cpu > 0
      ? new CpuBackend(cpu)
      : new NoopBackend(delay > 0 ? { mean_ms: delay, sd_ms: 0 } : undefined),
  bind: values.bind,
  maxInflight,
  maxQueue: Number(values["max-queue"]),
  ...(secretFile === undefined || clientsFile === undefined
    ? {}
    : {
        curve: {
          secretKey: readSecretKeyFile("--curve-secret", secretFile),
          allowedClients: readAllowList("--curve-clients", clientsFile),
        },
      }),
});
console.log(await host.start());
process.once("SIGTERM", () => {
  void host.stop(500).then(() => process.exit(0));
});
