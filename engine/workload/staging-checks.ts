/**
 * Checks of `workdir:`, `inputs:` and `outputs:` that need no file system:
 * placeholders, sandbox-side paths that would leave the sandbox, and
 * combinations that cannot work (docs/workload.md, "Data staging").
 */
import { isAbsolute, posix } from "node:path";
import type { Problem } from "./issues.js";
import type { AllocationSpec, ServiceSpec, StageEntry, TaskSpec } from "./schema.js";
import { isPlaceholder, type Placeholder, placeholdersIn } from "./template.js";

const GLOB = /[*?[]/;

/** Why a sandbox-side path is refused, or undefined (engine/staging/paths.ts applies the same rule at run time). */
function leaves(path: string): string | undefined {
  if (isAbsolute(path)) return "must be relative to the sandbox, not an absolute path";
  const normal = posix.normalize(path);
  if (normal === ".." || normal.startsWith("../")) return "leaves the sandbox (..)";
  return undefined;
}

export function stagingProblems(
  base: (string | number)[],
  spec: Pick<TaskSpec, "workdir" | "inputs" | "outputs"> & { ranks?: number | undefined },
  allowed: readonly Placeholder[],
): Problem[] {
  const problems: Problem[] = [];
  const templates = (path: (string | number)[], text: string) => {
    for (const name of placeholdersIn([text])) {
      if (!isPlaceholder(name) || !allowed.includes(name)) {
        const known = allowed.map((p) => `{${p}}`).join(", ");
        problems.push({ path, message: `placeholder {${name}} cannot be used here (known here: ${known})` });
      }
    }
  };
  if (spec.workdir !== undefined) templates([...base, "workdir"], spec.workdir);
  if (spec.workdir === "node-local" && (spec.ranks ?? 1) > 1) {
    problems.push({
      path: [...base, "workdir"],
      message: "node-local sandboxes are for single-process tasks; an MPI task's ranks may span nodes (use sandbox)",
    });
  }
  const check = (list: "inputs" | "outputs", entries: readonly StageEntry[] | undefined) => {
    for (const [j, entry] of (entries ?? []).entries()) {
      const at = [...base, list, j];
      templates([...at, "from"], entry.from);
      if (entry.to !== undefined) {
        templates([...at, "to"], entry.to);
        if (GLOB.test(entry.to)) problems.push({ path: [...at, "to"], message: "a destination cannot be a glob" });
      }
      const inside = list === "inputs" ? entry.to : entry.from;
      const problem = inside === undefined ? undefined : leaves(inside);
      if (problem !== undefined) {
        problems.push({
          path: [...at, list === "inputs" ? "to" : "from"],
          message: `${JSON.stringify(inside)} ${problem}`,
        });
      }
      if (list === "outputs" && entry.mode === "link" && spec.workdir === "node-local") {
        problems.push({
          path: [...at, "mode"],
          message: "a link to a node-local sandbox would dangle once it is removed; use copy or move",
        });
      }
    }
  };
  check("inputs", spec.inputs);
  check("outputs", spec.outputs);
  return problems;
}

/** Refuses staging on a task that starts no process of its own (an inference task). */
export function processlessStaging(base: (string | number)[], spec: TaskSpec): Problem[] {
  if (spec.command !== undefined) return [];
  const key =
    spec.workdir !== undefined
      ? "workdir"
      : spec.inputs !== undefined
        ? "inputs"
        : spec.outputs !== undefined
          ? "outputs"
          : undefined;
  if (key === undefined) return [];
  return [{ path: [...base, key], message: `${key} is for tasks with a command (an inference task runs no process)` }];
}

export function nodeLocalProblems(allocation: AllocationSpec): Problem[] {
  const path = ["allocation", "node_local"];
  const base = allocation.node_local;
  if (base === undefined) return [];
  const problems: Problem[] = [];
  if (!base.startsWith("/")) problems.push({ path, message: "must be an absolute path on the nodes" });
  for (const name of placeholdersIn([base])) {
    if (name !== "node") problems.push({ path, message: `placeholder {${name}} cannot be used here (only {node})` });
  }
  return problems;
}

/** Service instances may have a workdir and inputs; they have no outputs (they do not end on their own). */
export function serviceStagingProblems(i: number, spec: ServiceSpec): Problem[] {
  return stagingProblems(["services", i], { workdir: spec.workdir, inputs: spec.inputs }, ["instance", "node"]);
}
