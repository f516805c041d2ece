import { basename } from "node:path";
import type { Command } from "commander";
import { instanceCount, isFlotillaError, loadWorkload, taskInstanceCount } from "../../engine/index.js";
import { checkPlacement, type PlacementCheck } from "./validate-fits.js";

export interface ValidateOptions {
  json?: boolean;
}

/**
 * `flotilla validate WORKLOAD`: exit 0 with a summary, or exit 2 naming every
 * problem, including requests that can never be placed on the `allocation`
 * the file states (validate-fits.ts says what it could check).
 */
export async function validateCommand(file: string, options: ValidateOptions): Promise<void> {
  let loaded: Awaited<ReturnType<typeof loadWorkload>>;
  let placement: PlacementCheck;
  try {
    loaded = await loadWorkload(file);
    placement = checkPlacement(loaded);
  } catch (error) {
    if (options.json && isFlotillaError(error)) {
      const problems = error.context.problems ?? [];
      // Problems past the listed ones are only counted (docs/reliability.md).
      const omitted = error.context.omitted === undefined ? {} : { omitted: error.context.omitted };
      process.stdout.write(
        `${JSON.stringify({ ok: false, file, code: error.code, message: error.message, problems, ...omitted })}\n`,
      );
    }
    throw error;
  }
  const { workload } = loaded;
  const summary = {
    ok: true,
    file,
    workload: workload.name ?? basename(file).replace(/\.(ya?ml|json)$/i, ""),
    services: workload.services.length,
    // Counted, not expanded: validate stays cheap for a million instances.
    service_instances: workload.services.reduce((sum, s) => sum + instanceCount(s), 0),
    remote_instances: workload.services.reduce((sum, s) => sum + (s.endpoints?.length ?? 0), 0),
    tasks: workload.tasks.length,
    task_instances: workload.tasks.reduce((sum, t) => sum + taskInstanceCount(t), 0),
    ...placement,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  process.stdout.write(
    `ok: ${summary.workload} — ${n(summary.services, "service")} (${n(summary.service_instances, "instance")}` +
      `${summary.remote_instances > 0 ? `, ${summary.remote_instances} remote` : ""}), ` +
      `${n(summary.tasks, "task")} (${n(summary.task_instances, "instance")})\n` +
      `placement: ${summary.placement} (${summary.detail})\n`,
  );
}

export function register(program: Command): void {
  program
    .command("validate")
    .description("check a workload file and report every problem with its file, line and field (exit 2 when invalid)")
    .argument("<workload>", "workload file (YAML or JSON)")
    .option("--json", "print the result as one JSON object")
    .action(validateCommand);
}
