/**
 * `flotilla service-host` (hidden): what the engine launches for every
 * instance of a service with a `backend`. It starts the backend command,
 * waits for it, binds, and prints exactly one machine-readable line on
 * stdout (docs/protocol.md, "Service host"):
 *
 *   FLOTILLA_READY {"zmq":"tcp://127.0.0.1:5555","endpoint":"http://127.0.0.1:8000/v1","init_ms":812,...}
 *
 * Backend output goes to stderr, so stdout carries nothing else.
 */
import type { Command } from "commander";
import { formatReadyLine, type ReadyLine } from "../../engine/host.js";
import { addHostOptions, type HostFlags, hostConfigOrExit, runHost } from "./serve.js";

export function register(program: Command): void {
  addHostOptions(
    program
      .command("service-host", { hidden: true })
      .description("Front one service instance (launched by the engine)"),
  ).action(async (command: string[], flags: HostFlags) => {
    const config = hostConfigOrExit("service-host", flags, command);
    config.onBackendLine = (_stream, line) => {
      process.stderr.write(`${line}\n`);
    };
    await runHost(config, {
      name: "service-host",
      exitWithParent: true,
      announce(running) {
        const ready: ReadyLine = {
          zmq: running.zmq,
          ...(running.endpoint === undefined ? {} : { endpoint: running.endpoint }),
          service: config.service,
          backend: config.backend,
          init_ms: running.initMs,
          pid: process.pid,
          ...(running.process === undefined ? {} : { backend_pgid: running.process.pgid }),
        };
        process.stdout.write(`${formatReadyLine(ready)}\n`);
      },
    });
  });
}
