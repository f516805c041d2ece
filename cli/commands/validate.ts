import { basename } from "node:path";
import type { Command } from "commander";
import { expandServices, expandTasks, isFlotillaError, loadWorkload } from "../../engine/index.js";

export interface ValidateOptions {
  json?: boolean;
}

/** `flotilla validate WORKLOAD`: exit 0 with a one-line summary, or exit 2 naming every problem. */
export async function validateCommand(file: string, options: ValidateOptions): Promise<void> {
  let loaded: Awaited<ReturnType<typeof loadWorkload>>;
  try {
    loaded = await loadWorkload(file);
  } catch (error) {
    if (options.json && isFlotillaError(error)) {
      const problems = error.context.problems ?? [];
      process.stdout.write(
        `${JSON.stringify({ ok: false, file, code: error.code, message: error.message, problems })}\n`,
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
    service_instances: expandServices(workload).length,
    tasks: workload.tasks.length,
    task_instances: expandTasks(workload).length,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  process.stdout.write(
    `ok: ${summary.workload} — ${n(summary.services, "service")} (${n(summary.service_instances, "instance")}), ` +
      `${n(summary.tasks, "task")} (${n(summary.task_instances, "instance")})\n`,
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
