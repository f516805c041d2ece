/** How start.ts makes and connects a `stdio` backend (kept apart so start.ts stays one flow). */
import { FlotillaError } from "../../errors.js";
import type { BackendProcess } from "./backend-process.js";
import { StdioBackend } from "./stdio.js";

/** The parts of start.ts's HostConfig this needs (named here: start.ts imports this file). */
export interface StdioConfig {
  command: string[];
  maxPayloadBytes?: number;
  onBackendLine?: (stream: "stdout" | "stderr", line: string) => void;
}

export function stdioBackend(config: StdioConfig): StdioBackend {
  if (config.command.length === 0) throw new FlotillaError("USAGE", "--backend stdio needs a command, after --");
  // Stray output goes where the backend's stderr goes (the instance's log).
  const log = (message: string) => config.onBackendLine?.("stderr", message);
  return new StdioBackend({
    log,
    ...(config.maxPayloadBytes === undefined ? {} : { maxLineBytes: 2 * config.maxPayloadBytes }),
  });
}

export function attachStdio(backend: StdioBackend, process: BackendProcess | undefined): void {
  const channel = process?.channel;
  if (channel === undefined) throw new FlotillaError("INTERNAL", "the stdio backend's process has no channel");
  backend.attach(channel.input, channel.output);
}
