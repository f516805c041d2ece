/**
 * Instances of a service with a `backend` run as `flotilla service-host`
 * (this binary again) wrapping the backend command (none for noop). The host
 * starts the backend, waits for it, binds its ZeroMQ socket and prints one
 * `FLOTILLA_READY {json}` line on stdout (docs/protocol.md): that line is the
 * instance's readiness, and carries its ZeroMQ endpoint. Where it binds (ipc
 * here, CURVE TCP on other nodes) is decided in auth/transport.ts.
 */
import { FlotillaError } from "../../errors.js";
import { instanceVars } from "../../service/command-driver.js";
import type { InstanceContext, InstanceDriver, LaunchPlan } from "../../service/driver.js";
import { waitForProbe } from "../../service/probes.js";
import type { ReadySpec } from "../../workload/schema.js";
import { renderArgs, renderEnv } from "../../workload/template.js";
import type { SessionKeys } from "../auth/session-keys.js";
import type { SocketDir } from "../auth/socket-dir.js";
import { type HostTransport, hostTransport } from "../auth/transport.js";
import { parseReadyLine, READY_PATTERN } from "../host/ready-line.js";
import { ServiceClient } from "../wire/client.js";

function readyFlag(ready: ReadySpec): string {
  if ("http" in ready) return `http:${ready.http}`;
  if ("tcp" in ready) return "tcp";
  return `log:${ready.log}`;
}

export function hostCommand(context: InstanceContext, transport: HostTransport): LaunchPlan {
  const { service } = context;
  if (service.backend === undefined) {
    throw new FlotillaError("INTERNAL", `service ${service.name} has no backend for a service host`);
  }
  const vars = instanceVars(context);
  const flags = [
    "service-host",
    "--backend",
    service.backend,
    "--service",
    service.name,
    ...transport.flags,
    "--max-inflight",
    String(service.max_inflight),
    "--max-queue",
    String(service.max_queue),
    "--startup-timeout",
    `${service.startup_timeout}ms`,
  ];
  if (service.backend === "openai") flags.push("--backend-port", String(context.port));
  if (service.ready !== undefined) flags.push("--ready", readyFlag(service.ready));
  if (service.delay !== undefined) {
    flags.push("--delay-mean", String(service.delay.mean_ms), "--delay-sd", String(service.delay.sd_ms));
  }
  const backend = renderArgs(service.command ?? [], vars);
  return {
    command: [...context.self, ...flags, ...(backend.length > 0 ? ["--", ...backend] : [])],
    env: renderEnv(service.env, vars),
  };
}

const HOST_PREFIX = "flotilla service-host: ";
/** How a shell names the command it could not run: "flotilla-backend: 2: " before "vllm: not found". */
const SHELL_PREFIX = /^flotilla-backend: (?:\d+: )?/;

/**
 * A service host that fails exits 3 and says why on its last stderr line
 * ("backend vllm exited with code 127 before it was ready"), with the
 * backend's own stderr quoted under it ("  | … vllm: not found"): that is
 * the cause, not the host's exit code.
 */
export function hostExitCause(tail: readonly string[]): string | undefined {
  let at = -1;
  tail.forEach((line, i) => {
    if (line.startsWith(HOST_PREFIX)) at = i;
  });
  if (at < 0) return undefined;
  const reason = (tail[at] as string).slice(HOST_PREFIX.length);
  const quoted = tail.slice(at + 1).find((line) => line.startsWith("  | "));
  const detail = quoted?.slice(4).replace(SHELL_PREFIX, "").trim();
  return detail ? `${reason}: ${detail}` : reason;
}

/** The driver of launched hosts, over the session's socket directory and keys. */
export function hostDriver(sockets: SocketDir, keys: () => SessionKeys): InstanceDriver {
  const transportOf = (context: InstanceContext) =>
    hostTransport(`${context.service.name}.${context.instance}`, context.host, sockets, keys);
  return {
    remote: false,
    command: (context) => hostCommand(context, transportOf(context)),
    explainExit: hostExitCause,
    async waitReady(context, signal) {
      // The host itself waits for the backend (its own startup timeout), so the engine waits for one line.
      const json = await waitForProbe(
        { log: READY_PATTERN },
        { host: context.host, port: context.port, lines: context.lines },
        signal,
      );
      const ready = parseReadyLine(json);
      if (ready === undefined) {
        throw new FlotillaError("PROTOCOL", `service host printed an unreadable ready line: ${json}`);
      }
      const transport = transportOf(context);
      return {
        endpoint: ready.endpoint ?? ready.zmq,
        zmq: ready.zmq,
        ...(transport.kind === "tcp" ? { keys: transport.keys } : {}),
      };
    },
    liveness(_context, ready) {
      if (ready.zmq === undefined) return undefined;
      // Its own socket: the host answers a ping from its event loop, so a busy backend does not fail it, a hung host does.
      const client = new ServiceClient(ready.zmq, ready.keys === undefined ? {} : { curve: ready.keys });
      return {
        check: (timeoutMs) =>
          client.ping(timeoutMs).then(
            (pong) => pong.ok,
            () => false,
          ),
        close: () => client.close(),
      };
    },
  };
}
