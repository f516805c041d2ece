/** `flotilla cancel [SESSION] TASK…`: cancels tasks of a running session (tasks after them are then skipped). */
import type { Command } from "commander";
import { FlotillaError } from "../../engine/index.js";
import { sendControl } from "../control/client.js";
import { splitSession } from "../control/session-arg.js";

export async function cancelCommand(words: string[]): Promise<void> {
  const { session, rest } = splitSession(words);
  if (rest.length === 0) throw new FlotillaError("USAGE", "usage: flotilla cancel [SESSION] TASK…");
  const answer = await sendControl(session, "cancel", { tasks: rest });
  const canceled = answer.canceled as string[];
  for (const id of rest) {
    process.stdout.write(`${id} ${canceled.includes(id) ? "canceled" : "had already ended"}\n`);
  }
}

export function register(program: Command): void {
  program
    .command("cancel")
    .description("cancel tasks of a running session")
    .argument("<args...>", "[SESSION] TASK…")
    .action(cancelCommand);
}
