import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { ENDPOINTS_FILE, type EndpointsFile, type EndpointsFileService, FlotillaError } from "../../engine/index.js";
import { resolveSession } from "../control/session-arg.js";
import { sessionDirectory } from "./watch.js";

export interface EndpointsOptions {
  json?: boolean;
}

const isDirectory = (path: string) =>
  stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );

/**
 * `flotilla endpoints [SESSION] [SERVICE]`: the instances ready now, from the
 * session's endpoints.json. With one argument it is the session when it is a
 * directory, else a service of the session resolveSession finds:
 * $FLOTILLA_SESSION_DIR's (what a task asks for its own run), or the newest live one.
 */
export async function endpointsCommand(
  first: string | undefined,
  second: string | undefined,
  options: EndpointsOptions,
): Promise<void> {
  let named = first;
  let service = second;
  if (second === undefined && first !== undefined && !(await isDirectory(first))) {
    named = undefined;
    service = first;
  }
  // As the pilot's commands: the one named, $FLOTILLA_SESSION_DIR, else the newest live session here.
  const dir = named === undefined ? resolveSession(undefined) : await sessionDirectory(named);
  const path = join(dir, ENDPOINTS_FILE);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new FlotillaError(
      "USAGE",
      `${dir} has no ${ENDPOINTS_FILE} (${error.code ?? error.message}): not a session directory, or a session from before endpoints were recorded`,
    );
  });
  const file = JSON.parse(text) as EndpointsFile;
  let services = file.services;
  if (service !== undefined) {
    const entry = services[service];
    if (entry === undefined) {
      const known = Object.keys(services).join(", ") || "none";
      throw new FlotillaError("USAGE", `no service "${service}" in session ${file.session_id} (services: ${known})`);
    }
    services = { [service]: entry };
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...file, services })}\n`);
    return;
  }
  if (file.ended) process.stderr.write(`flotilla: session ${file.session_id} has ended; no instance is left\n`);
  for (const [name, entry] of Object.entries(services)) process.stdout.write(describe(name, entry));
}

function describe(name: string, entry: EndpointsFileService): string {
  const lines = [`${name}: ${entry.instances.length} ready${entry.http === undefined ? "" : `, front ${entry.http}`}`];
  if (entry.token_file !== undefined) lines.push(`  token file ${entry.token_file}`);
  if (entry.zmq_keys_file !== undefined) lines.push(`  zmq keys file ${entry.zmq_keys_file}`);
  for (const instance of entry.instances) {
    const zmq = instance.zmq === undefined || instance.zmq === instance.endpoint ? "" : ` zmq ${instance.zmq}`;
    const where = instance.remote ? "remote" : instance.node;
    lines.push(`  ${name}.${instance.instance} ${where} ${instance.endpoint}${zmq}`);
  }
  return `${lines.join("\n")}\n`;
}

export function register(program: Command): void {
  program
    .command("endpoints")
    .description("list the ready instances of a session's services (its endpoints.json), as they are now")
    .argument("[session_dir]", "the session directory; default: $FLOTILLA_SESSION_DIR (set in every task)")
    .argument("[service]", "only this service")
    .option("--json", "print the endpoints file (only SERVICE's entry when one is named)")
    .action(endpointsCommand);
}
