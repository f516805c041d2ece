/**
 * `flotilla run WORKLOAD`: acquire, place, start, tear down; one event
 * stream shown through one sink (NDJSON with --json, text otherwise) and
 * recorded in the session directory. Sets process.exitCode (docs/cli.md).
 */
import type { Command } from "commander";
import { addAllocationOptions } from "../options.js";
import { type RunOptionValues, runSession } from "../session-runner.js";

export { allocationRequest, type RunOptionValues } from "../session-runner.js";

export async function runCommand(file: string, options: RunOptionValues): Promise<void> {
  await runSession(file, options);
}

export function register(program: Command): void {
  addAllocationOptions(
    program
      .command("run")
      .description("run a workload: start its services, run its tasks, tear everything down")
      .argument("<workload>", "workload file (YAML or JSON)")
      .option(
        "--front-host <address>",
        "address the OpenAI-compatible HTTP front listens on and gives to tasks (default 127.0.0.1; " +
          "on several nodes, an address of this host that the compute nodes can reach)",
      )
      .option("--insecure", "turns authentication off: the HTTP front takes requests without a token"),
  ).action(runCommand);
}
