/**
 * Instances of a service with a `backend` run as `flotilla service-host`
 * (this binary again) wrapping the backend command (none for noop). The host
 * starts the backend, waits for it, binds its ZeroMQ socket and prints one
 * `FLOTILLA_READY {json}` line on stdout (docs/protocol.md): that line is the
 * instance's readiness, and carries its ZeroMQ endpoint.
 */
import { FlotillaError } from "../errors.js";
import { instanceVars } from "../service/command-driver.js";
import type { InstanceContext, InstanceDriver, LaunchPlan } from "../service/driver.js";
import { waitForProbe } from "../service/probes.js";
import type { ReadySpec } from "../workload/schema.js";
import { renderArgs, renderEnv } from "../workload/template.js";

/** The service host's readiness line; its one capture group is the JSON object. */
export const HOST_READY_PATTERN = "^FLOTILLA_READY (\\{.*\\})$";

function readyFlag(ready: ReadySpec): string {
  if ("http" in ready) return `http:${ready.http}`;
  if ("tcp" in ready) return "tcp";
  return `log:${ready.log}`;
}

export function hostCommand(context: InstanceContext): LaunchPlan {
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
    "--host",
    context.host,
    "--port",
    "0",
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

interface ReadyLine {
  zmq?: unknown;
  endpoint?: unknown;
}

export const hostDriver: InstanceDriver = {
  remote: false,
  command: hostCommand,
  async waitReady(context, signal) {
    // The host itself waits for the backend (its own startup timeout), so the engine waits for one line.
    const json = await waitForProbe(
      { log: HOST_READY_PATTERN },
      { host: context.host, port: context.port, lines: context.lines },
      signal,
    );
    let ready: ReadyLine;
    try {
      ready = JSON.parse(json) as ReadyLine;
    } catch (error) {
      throw new FlotillaError("PROTOCOL", `service host printed an unreadable ready line: ${json}`, { cause: error });
    }
    if (typeof ready.zmq !== "string") {
      throw new FlotillaError("PROTOCOL", `service host's ready line has no zmq endpoint: ${json}`);
    }
    const endpoint = typeof ready.endpoint === "string" ? ready.endpoint : ready.zmq;
    return { endpoint, zmq: ready.zmq };
  },
};
