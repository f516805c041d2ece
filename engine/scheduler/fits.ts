/**
 * Checks a workload against the allocation it actually got. Services hold
 * their cores and GPUs for the whole session, so every instance must fit at
 * once, and every task must fit beside them; otherwise the run would wait
 * forever. Uses the same pool as the engine, so the answer is exact.
 */
import { FlotillaError } from "../errors.js";
import type { NodeResources, ResourceRequest } from "../resources.js";
import { replicasField, serviceInstances } from "../workload/expand.js";
import { grouped } from "../workload/limits.js";
import { formatProblem, type LoadedWorkload, type LocatedProblem, MAX_LISTED_PROBLEMS } from "../workload/load.js";
import { type FieldPath, formatPath } from "../workload/source.js";
import { requestOf } from "./plan.js";
import { ResourcePool } from "./pool.js";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function perNode(
  request: ResourceRequest,
  largest: { cores: number; gpus: number },
  what: string,
): [string, string] | undefined {
  if (request.gpus > largest.gpus) {
    return ["gpus", `asks ${plural(request.gpus, "GPU")} ${what} but the largest node has ${largest.gpus}`];
  }
  if (request.cores > largest.cores) {
    return ["cores", `asks ${plural(request.cores, "core")} ${what} but the largest node has ${largest.cores}`];
  }
  return undefined;
}

/** Throws FlotillaError("PLACEMENT_IMPOSSIBLE") naming file:line:field for everything that can never run. */
export function checkFits(loaded: LoadedWorkload, nodes: readonly NodeResources[]): void {
  const problems: LocatedProblem[] = [];
  let omitted = 0;
  // Locating can scan the whole file (JSON): locate only the problems that are listed.
  const add = (path: FieldPath, message: string) => {
    if (problems.length >= MAX_LISTED_PROBLEMS) omitted += 1;
    else problems.push({ file: loaded.source, ...(loaded.locate(path) ?? {}), path: formatPath(path), message });
  };
  if (nodes.length === 0) {
    throw new FlotillaError("PLACEMENT_IMPOSSIBLE", `${loaded.source}: the allocation has no nodes`, {
      context: { file: loaded.source },
    });
  }
  const pool = new ResourcePool(nodes);
  const largest = pool.largest();
  const { workload } = loaded;

  for (const [i, spec] of workload.services.entries()) {
    const instances = serviceInstances(spec);
    if (instances.length === 0) continue; // remote endpoints only: nothing to place
    const request = { cores: spec.cores, gpus: spec.gpus };
    const alone = perNode(request, largest, "per instance");
    if (alone) {
      add(["services", i, alone[0]], alone[1]);
      continue;
    }
    const placed = instances.filter(() => pool.place(request) !== undefined).length;
    if (placed < instances.length) {
      add(
        ["services", i, ...replicasField(spec)],
        `only ${placed} of ${instances.length} instances fit${i > 0 ? " beside the services before it" : ""} ` +
          `(each needs ${plural(spec.cores, "core")} and ${plural(spec.gpus, "GPU")}; ${describeNodes(nodes)})`,
      );
    }
  }

  for (const [i, spec] of workload.tasks.entries()) {
    const request = requestOf(spec);
    const alone = perNode(request, largest, spec.ranks === undefined ? "per process" : "per rank");
    if (alone) {
      add(["tasks", i, alone[0]], alone[1]);
      continue;
    }
    if (!pool.fitsWhenEmpty(request)) {
      add(["tasks", i, "ranks"], `${spec.ranks} ranks need more than the whole allocation (${describeNodes(nodes)})`);
      continue;
    }
    const placement = pool.place(request);
    if (placement === undefined) {
      const held = "which hold their cores and GPUs for the whole run";
      add(["tasks", i], `does not fit beside the services, ${held} (${describeNodes(nodes)})`);
      continue;
    }
    pool.release(placement);
  }

  if (problems.length > 0) {
    const total = problems.length + omitted;
    const heading = `${loaded.source}: ${plural(total, "request")} can never be placed on this allocation`;
    const more = omitted > 0 ? [`  ... and ${grouped(omitted)} more`] : [];
    throw new FlotillaError(
      "PLACEMENT_IMPOSSIBLE",
      [heading, ...problems.map((p) => `  ${formatProblem(p)}`), ...more].join("\n"),
      {
        context: { file: loaded.source, problems, ...(omitted > 0 ? { omitted } : {}) },
      },
    );
  }
}

function describeNodes(nodes: readonly NodeResources[]): string {
  const first = nodes[0]!;
  const same = nodes.every((n) => n.cores.length === first.cores.length && n.gpus.length === first.gpus.length);
  if (same)
    return `${plural(nodes.length, "node")} × ${plural(first.cores.length, "core")}, ${plural(first.gpus.length, "GPU")}`;
  const cores = nodes.reduce((sum, n) => sum + n.cores.length, 0);
  const gpus = nodes.reduce((sum, n) => sum + n.gpus.length, 0);
  return `${plural(nodes.length, "node")} with ${plural(cores, "core")} and ${plural(gpus, "GPU")} in all`;
}
