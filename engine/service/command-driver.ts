import { renderArgs, renderEnv, type TemplateVars } from "../workload/template.js";
import type { InstanceContext, InstanceDriver } from "./driver.js";
import type { LivenessProbe } from "./liveness.js";
import { defaultEndpoint, httpAnswers, tcpAccepts, waitForProbe } from "./probes.js";

/** Template values for a service instance's command and env. */
export function instanceVars(context: InstanceContext): TemplateVars {
  return {
    port: context.port,
    host: context.host,
    node: context.placement.node,
    gpu_ids: context.placement.gpus,
    instance: context.instance,
  };
}

/**
 * A plain `command` service: runs the command with {port}, {host}, {gpu_ids}
 * and {instance} filled in; ready when its `ready` probe passes (probes.ts).
 */
export const commandDriver: InstanceDriver = {
  remote: false,
  command(context) {
    const vars = instanceVars(context);
    return { command: renderArgs(context.service.command ?? [], vars), env: renderEnv(context.service.env, vars) };
  },
  async waitReady(context, signal) {
    const endpoint = await waitForProbe(
      context.service.ready,
      { host: context.host, port: context.port, lines: context.lines },
      signal,
    );
    return { endpoint };
  },
  liveness(context) {
    return probeAgain(context);
  },
};

/**
 * A command service's liveness is its readiness probe passing again. A log
 * line cannot be asked for twice, and with no probe there is nothing to ask.
 */
function probeAgain(context: InstanceContext): LivenessProbe | undefined {
  const ready = context.service.ready;
  if (ready === undefined || "log" in ready) return undefined;
  const { host, port } = context;
  const attempt =
    "http" in ready
      ? (signal: AbortSignal) => httpAnswers(`${defaultEndpoint({ host, port })}${ready.http}`, signal)
      : (signal: AbortSignal) => tcpAccepts(host, port, signal);
  return { check: (timeoutMs) => attempt(AbortSignal.timeout(timeoutMs)), close: () => {} };
}
