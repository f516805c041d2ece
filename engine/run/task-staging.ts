/**
 * A task's side of staging (engine/staging): its workdir before it starts,
 * its outputs after it ends, each timed for `task:state`.
 */
import { performance } from "node:perf_hooks";
import { errorMessage } from "../errors.js";
import type { Placement } from "../resources.js";
import type { Sandbox, Stager } from "../staging/stager.js";
import type { TaskInstance } from "../workload/expand.js";
import type { TemplateVars } from "../workload/template.js";

/** Prepares the task's workdir and stages its inputs; `sandbox` is absent when that failed (`error` says why). */
export async function prepareWorkdir(
  staging: Stager,
  unit: TaskInstance,
  placement: Placement,
  vars: TemplateVars,
): Promise<{ sandbox?: Sandbox; ms: number; error?: unknown }> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const sandbox = await staging.stageIn({ id: unit.id, label: `task ${unit.id}`, spec: unit.spec }, placement, vars);
    return { sandbox, ms: took() };
  } catch (error) {
    return { ms: took(), error };
  }
}

/** Collects the task's outputs; `problem` says what was missing or failed (the task then fails). */
export async function collectOutputs(
  staging: Stager,
  sandbox: Sandbox,
  id: string,
): Promise<{ ms: number; problem?: string }> {
  const started = performance.now();
  let problem: string | undefined;
  try {
    const missing = await staging.stageOut(sandbox);
    if (missing.length > 0) problem = `task ${id}: ${missing.join("; ")}`;
  } catch (error) {
    problem = errorMessage(error);
  }
  return { ms: Math.round(performance.now() - started), ...(problem === undefined ? {} : { problem }) };
}
