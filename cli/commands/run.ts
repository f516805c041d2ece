/**
 * `flotilla run WORKLOAD`: acquire, place, start, tear down; one event
 * stream shown through one sink (NDJSON with --json, text otherwise) and
 * recorded in the session directory. Sets process.exitCode (docs/cli.md).
 */
import type { Command } from "commander";
import {
  type AllocationRequest,
  createPlatform,
  createSessionDir,
  EndpointRegistry,
  Engine,
  type EngineSettings,
  EventBus,
  flushOpenSinksSync,
  installExitGuard,
  type LoadedWorkload,
  loadWorkload,
  ProcessRegistry,
  RequestPath,
} from "../../engine/index.js";
import {
  type AllocationOptionValues,
  type AllocationOverrides,
  addAllocationOptions,
  allocationOverrides,
} from "../options.js";
import { selfCommand } from "../self.js";
import { installSignalHandlers } from "../signals.js";
import { chooseSink } from "../sinks/index.js";
import { VERSION } from "../version.js";

export async function runCommand(file: string, options: AllocationOptionValues): Promise<void> {
  const overrides = allocationOverrides(options);
  const loaded = await loadWorkload(file);
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
  const platformName = overrides.platform ?? loaded.workload.allocation.platform ?? "local";
  const platform = createPlatform(platformName, { env: process.env, cwd: process.cwd(), registry });
  const bus = new EventBus();
  const endpoints = new EndpointRegistry();
  // Service hosts, remote endpoints, inference tasks, the HTTP front and request metrics.
  const requestPath = new RequestPath({
    workload: loaded.workload,
    workloadDir: loaded.dir,
    sessionDir: session.path,
    endpoints,
    emit: (body) => bus.emit(body),
  });
  const engine = new Engine({
    loaded,
    platform,
    request: allocationRequest(loaded, overrides, session.path),
    session,
    self: selfCommand(),
    version: VERSION,
    settings: settingsOf(loaded, overrides, platformName),
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
  }
}

export function allocationRequest(
  loaded: LoadedWorkload,
  overrides: AllocationOverrides,
  sessionDir: string,
): AllocationRequest {
  const spec = loaded.workload.allocation;
  const cores = overrides.cores ?? spec.cores;
  const gpus = overrides.gpus ?? spec.gpus;
  return {
    nodes: overrides.nodes ?? spec.nodes ?? 1,
    ...(cores === undefined ? {} : { cores }),
    ...(gpus === undefined ? {} : { gpus }),
    ...(spec.walltime === undefined ? {} : { walltimeMs: spec.walltime }),
    ...(spec.partition === undefined ? {} : { partition: spec.partition }),
    ...(spec.account === undefined ? {} : { account: spec.account }),
    ...(spec.qos === undefined ? {} : { qos: spec.qos }),
    ...(spec.constraint === undefined ? {} : { constraint: spec.constraint }),
    ...(spec.reservation === undefined ? {} : { reservation: spec.reservation }),
    extraArgs: spec.extra_args ?? [],
    jobName: `flotilla-${loaded.workload.name ?? "workload"}`,
    sessionDir,
  };
}

function settingsOf(loaded: LoadedWorkload, overrides: AllocationOverrides, platform: string): EngineSettings {
  const spec = loaded.workload.allocation;
  const from = <T>(flag: T | undefined, workload: T | undefined, fallback: unknown) =>
    flag !== undefined
      ? { value: flag, source: "flag" as const }
      : workload !== undefined
        ? { value: workload, source: "workload" as const }
        : { value: fallback, source: "default" as const };
  return {
    platform: from(overrides.platform, spec.platform, platform),
    nodes: from(overrides.nodes, spec.nodes, 1),
    cores: from(overrides.cores, spec.cores, "detected"),
    gpus: from(overrides.gpus, spec.gpus, "detected"),
  };
}

export function register(program: Command): void {
  addAllocationOptions(
    program
      .command("run")
      .description("run a workload: start its services, run its tasks, tear everything down")
      .argument("<workload>", "workload file (YAML or JSON)"),
  ).action(runCommand);
}
