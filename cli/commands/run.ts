/**
 * `flotilla run WORKLOAD`: acquire, place, start, tear down; one event
 * stream shown through one sink (NDJSON with --json, text otherwise) and
 * recorded in the session directory. Sets process.exitCode (docs/cli.md).
 */
import type { Command } from "commander";
import {
  type AllocationRequest,
  cancelLiveJobsSync,
  createPlatform,
  createSessionDir,
  EndpointRegistry,
  Engine,
  EventBus,
  flushOpenSinksSync,
  installExitGuard,
  isLoopback,
  type LoadedWorkload,
  loadWorkload,
  ProcessRegistry,
  RequestPath,
} from "../../engine/index.js";
import { openConfig } from "../config.js";
import { type AllocationOptionValues, addAllocationOptions, allocationOverrides } from "../options.js";
import { selfCommand } from "../self.js";
import { type ResolvedSettings, resolveSettings } from "../settings.js";
import { installSignalHandlers } from "../signals.js";
import { chooseSink } from "../sinks/index.js";
import { VERSION } from "../version.js";

export interface RunOptionValues extends AllocationOptionValues {
  frontHost?: string;
  insecure?: boolean;
}

export async function runCommand(file: string, options: RunOptionValues): Promise<void> {
  checkFrontHost(options);
  const overrides = allocationOverrides(options);
  const loaded = await loadWorkload(file);
  // flags > workload > user config (flotilla config) > defaults.
  const resolved = resolveSettings(loaded.workload.allocation, overrides, (await openConfig(process.env)).all());
  const session = createSessionDir({
    ...(options.sessionDir === undefined ? {} : { dir: options.sessionDir }),
    cwd: process.cwd(),
    workloadName: loaded.workload.name ?? "workload",
    workloadFile: loaded.file,
    now: new Date(),
  });
  const registry = new ProcessRegistry();
  // Last resort if this process dies mid-run: no orphans, and events.jsonl complete.
  const removeExitGuard = installExitGuard();
  process.on("exit", flushOpenSinksSync);
  // Last resort for batch jobs too: a crash must not leave a Slurm job holding nodes.
  process.on("exit", cancelLiveJobsSync);
  const platform = createPlatform(resolved.platform, {
    env: process.env,
    cwd: process.cwd(),
    registry,
    ...(resolved.launcher === undefined ? {} : { launcher: resolved.launcher }),
  });
  const bus = new EventBus();
  const endpoints = new EndpointRegistry();
  // Service hosts, remote endpoints, inference tasks, the HTTP front and request metrics.
  const requestPath = new RequestPath({
    workload: loaded.workload,
    workloadDir: loaded.dir,
    sessionDir: session.path,
    endpoints,
    emit: (body) => bus.emit(body),
    ...(options.frontHost === undefined ? {} : { frontHost: options.frontHost }),
    ...(options.insecure === true ? { insecure: true } : {}),
    env: process.env,
  });
  const engine = new Engine({
    loaded,
    platform,
    request: allocationRequest(loaded, resolved, session.path),
    session,
    self: selfCommand(),
    version: VERSION,
    settings: resolved.settings,
    registry,
    bus,
    endpoints,
    driverFor: (service, instance) => requestPath.driverFor(service, instance),
    executorFor: (unit) => requestPath.executorFor(unit),
    serviceEnv: (service) => requestPath.serviceEnv(service),
    extensions: [requestPath],
  });

  const controller = new AbortController();
  const sink = await chooseSink({ json: options.json === true, stdout: process.stdout });
  await sink.attach(engine.bus, { stop: () => controller.abort() });
  const removeSignals = installSignalHandlers({
    abort: (reason) => controller.abort(reason),
    force: () => engine.kill(),
  });
  try {
    process.exitCode = await engine.run(controller.signal);
    // --json keeps stdout for events; say why it failed where a person looks.
    const reason = engine.bus.getSnapshot().end?.reason;
    if (options.json && process.exitCode !== 0 && reason) process.stderr.write(`flotilla: ${reason}\n`);
  } finally {
    removeSignals();
    await sink.detach();
    removeExitGuard();
    process.off("exit", flushOpenSinksSync);
    process.off("exit", cancelLiveJobsSync);
  }
}

/**
 * Any local user can reach a loopback front, and anyone on the network any
 * other: the token is the guard either way. Beyond loopback the token and the
 * prompts cross the network unencrypted, so say so once.
 */
function checkFrontHost(options: RunOptionValues): void {
  const host = options.frontHost ?? "127.0.0.1";
  if (options.insecure === true) {
    process.stderr.write(
      `flotilla: warning: --insecure turns authentication off: anyone who can reach ${host} can use the HTTP front\n`,
    );
    return;
  }
  if (!isLoopback(host)) {
    process.stderr.write(
      `flotilla: note: the HTTP front on ${host} takes only requests with the run's token; ` +
        "HTTP is not encrypted, so the token and the prompts cross the network in clear\n",
    );
  }
}

export function allocationRequest(
  loaded: LoadedWorkload,
  resolved: ResolvedSettings,
  sessionDir: string,
): AllocationRequest {
  const { platform: _platform, settings: _settings, launcher: _launcher, ...request } = resolved;
  return { ...request, jobName: `flotilla-${loaded.workload.name ?? "workload"}`, sessionDir };
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
