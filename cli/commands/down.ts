/**
 * `flotilla down [SESSION]`: asks a running session to stop in order
 * (tasks canceled, services stopped, the allocation released) and waits for
 * its end record; exits with the session's exit code.
 */
import { join } from "node:path";
import type { Command } from "commander";
import type { EngineEvent } from "../../engine/index.js";
import { EVENTS_FILE } from "../../tui/session-paths.js";
import { tailEvents } from "../../tui/sources/tail-events.js";
import { sendControl } from "../control/client.js";
import { resolveSession } from "../control/session-arg.js";
import { deathOf, engineGone } from "./engine-death.js";

export async function downCommand(dir: string | undefined): Promise<void> {
  const session = resolveSession(dir);
  await sendControl(session, "down");
  let end: Extract<EngineEvent, { type: "session:end" }> | undefined;
  for await (const event of tailEvents(join(session, EVENTS_FILE), { stopWhen: engineGone(session) })) {
    if (event.type === "session:end") end = event;
  }
  const death = deathOf(session, end);
  if (death !== undefined) {
    process.stderr.write(`flotilla: ${death.message}\n`);
    process.exitCode = death.exitCode;
    return;
  }
  if (end === undefined) return;
  process.stderr.write(`flotilla: ${session} ended with exit code ${end.exit_code}: ${end.reason}\n`);
  process.exitCode = end.exit_code;
}

export function register(program: Command): void {
  program
    .command("down")
    .description("stop a running session in order and exit with its exit code")
    .argument("[session]", "the session directory (default: the newest live one in ./flotilla-sessions)")
    .action(downCommand);
}
