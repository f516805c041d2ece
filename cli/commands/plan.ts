import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { checkFits, loadWorkload, planWorkload, syntheticNodes } from "../../engine/index.js";
import { type AllocationOptionValues, addAllocationOptions, allocationOverrides } from "../options.js";
import { formatPlan } from "./plan-format.js";
import { writeJsonLine } from "./plan-json.js";

/**
 * `flotilla plan WORKLOAD`: where every service instance and task would run,
 * on N identical synthetic nodes, without acquiring or launching anything.
 * Node size: flags, else the workload's allocation, else this machine's cores and no GPUs.
 */
export async function planCommand(file: string, options: AllocationOptionValues): Promise<void> {
  const overrides = allocationOverrides(options);
  const loaded = await loadWorkload(file);
  const { allocation } = loaded.workload;
  const shape = {
    nodes: overrides.nodes ?? allocation.nodes ?? 1,
    cores: overrides.cores ?? allocation.cores ?? availableParallelism(),
    gpus: overrides.gpus ?? allocation.gpus ?? 0,
  };
  const nodes = syntheticNodes(shape.nodes, shape.cores, shape.gpus);
  checkFits(loaded, nodes);
  const plan = planWorkload(loaded.workload, nodes);
  if (options.json) {
    writeJsonLine((text) => process.stdout.write(text), { file, allocation: shape, ...plan });
    return;
  }
  const name = plan.workload ?? file;
  const heading = `plan: ${name} on ${shape.nodes} node${shape.nodes === 1 ? "" : "s"} × ${shape.cores} cores, ${shape.gpus} GPUs`;
  process.stdout.write(formatPlan(plan, heading));
}

export function register(program: Command): void {
  addAllocationOptions(
    program
      .command("plan")
      .description("show where services and tasks would be placed, without launching anything")
      .argument("<workload>", "workload file (YAML or JSON)"),
  ).action(planCommand);
}
