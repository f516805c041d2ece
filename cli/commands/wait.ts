/**
 * `flotilla wait [SESSION] [TASK…]`: waits until the tasks (default: every
 * task the session has now) have ended; prints each one's end and exits 0
 * when all are done, 1 otherwise.
 */
import type { Command } from "commander";
import { sendControl, tasksExitCode } from "../control/client.js";
import { splitSession } from "../control/session-arg.js";

export interface TaskEnd {
  id: string;
  state: string;
  exit_code?: number | null;
  error?: string;
}

export async function waitCommand(words: string[], options: { json?: boolean }): Promise<void> {
  const { session, rest } = splitSession(words);
  const answer = await sendControl(session, "wait", { tasks: rest });
  const tasks = answer.tasks as TaskEnd[];
  for (const task of tasks) process.stdout.write(options.json ? `${JSON.stringify(task)}\n` : `${describeEnd(task)}\n`);
  process.exitCode = tasksExitCode(tasks);
}

export function describeEnd(task: TaskEnd): string {
  const code = task.exit_code === undefined || task.exit_code === null ? "" : ` (exit ${task.exit_code})`;
  return `${task.id} ${task.state}${code}${task.error ? `: ${task.error}` : ""}`;
}

export function register(program: Command): void {
  program
    .command("wait")
    .description("wait for tasks of a running session to end; exit 0 when all are done, 1 otherwise")
    .argument("[args...]", "[SESSION] [TASK…] (default: every task the session has)")
    .option("--json", "print each task's end as a JSON line")
    .action(waitCommand);
}
