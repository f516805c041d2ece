import { renderArgs, renderEnv, type TemplateVars } from "../workload/template.js";
import type { InstanceContext, InstanceDriver } from "./driver.js";
import { waitForProbe } from "./probes.js";

/** Template values for a service instance's command and env. */
export function instanceVars(context: InstanceContext): TemplateVars {
  return { port: context.port, host: context.host, gpu_ids: context.placement.gpus, instance: context.instance };
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
};
