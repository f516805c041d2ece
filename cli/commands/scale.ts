/**
 * `flotilla scale [SESSION] SERVICE N`: sets how many instances of a service
 * a running session runs. New ones are placed on free cores and GPUs of the
 * allocation (all or none) and started; surplus ones, the highest first, are
 * drained (their requests in flight finish), stopped and their GPUs freed. 0
 * removes the service (tasks that wait for it fail). An autoscaled service
 * keeps the count given: its autoscaling is off for the rest of the session.
 */
import type { Command } from "commander";
import { FlotillaError } from "../../engine/index.js";
import { sendControl } from "../control/client.js";
import { splitSession } from "../control/session-arg.js";
import { parseCount } from "../options.js";

export async function scaleCommand(words: string[]): Promise<void> {
  const { session, rest } = splitSession(words);
  if (rest.length !== 2) throw new FlotillaError("USAGE", "usage: flotilla scale [SESSION] SERVICE N");
  const [service, count] = rest as [string, string];
  const replicas = parseCount("N", count, 0);
  const answer = await sendControl(session, "scale", { service, replicas });
  const off = answer.autoscale_off === true ? `; autoscaling of ${service} is off for the rest of the session` : "";
  process.stdout.write(
    `${service}: ${replicas} instances (${answer.added} started, ${answer.removed} stopped)${off}\n`,
  );
}

export function register(program: Command): void {
  program
    .command("scale")
    .description("set the number of instances of a service in a running session")
    .argument("<args...>", "[SESSION] SERVICE N")
    .action(scaleCommand);
}
