/**
 * One session from start to end, shared by `flotilla run` (a batch: ends
 * when the workload's tasks have) and `flotilla up` (stays up and takes
 * submissions): the session directory, the reaper and heartbeat that guard
 * against a SIGKILLed engine, the platform, the request path, the engine and
 * its sink. Sets process.exitCode (docs/cli.md).
 */
import {
  type AllocationRequest,
  adoptSessionDir,
  createPlatform,
  createSessionDir,
  Engine,
  engineRecordFor,
  FlotillaError,
  isLoopback,
  type LoadedWorkload,
  loadWorkload,
  type PilotOptions,
  ProcessRegistry,
  type SessionState,
  startHeartbeat,
  startReaper,
  writeEngineRecord,
} from "../engine/index.js";
import { openConfig } from "./config.js";
import { exitPromptlyWhenDone } from "./exit.js";
import { type AllocationOptionValues, allocationOverrides } from "./options.js";
import { selfCommand } from "./self.js";
import { type ResolvedSettings, resolveSettings } from "./settings.js";
import { installSignalHandlers } from "./signals.js";
import { chooseSink } from "./sinks/index.js";
import { VERSION } from "./version.js";

export interface RunOptionValues extends AllocationOptionValues {
  frontHost?: string;
  insecure?: boolean;
}

export interface SessionRunExtras {
  /** Stay up and take submissions (`flotilla up`). */
  pilot?: PilotOptions;
  /** Run in this session directory, which `flotilla up` created before starting the engine. */
  adopt?: string;
  /** Called once the engine has ended, with its exit code and final state. */
  onEnd?: (code: number, state: SessionState) => void;
}

export async function runSession(file: string, options: RunOptionValues, extras: SessionRunExtras = {}): Promise<void> {
  checkFrontHost(options);
  const overrides = allocationOverrides(options);
  const loaded = await loadWorkload(file);
  // flags > workload > user config (flotilla config) > defaults.
  const resolved = resolveSettings(loaded.workload.allocation, overrides, (await openConfig(process.env)).all());
  const session =
    extras.adopt !== undefined
      ? adoptSessionDir(extras.adopt, loaded.workload.name ?? "workload")
      : createSessionDir({
          ...(options.sessionDir === undefined ? {} : { dir: options.sessionDir }),
          cwd: process.cwd(),
          workloadName: loaded.workload.name ?? "workload",
          workloadFile: loaded.file,
          now: new Date(),
        });
  // Should this process die where no hook runs (SIGKILL, the OOM killer), the
  // reaper stops what it started, and engine.json + heartbeat let show/watch tell.
  const reaper = startReaper({ self: selfCommand(), sessionDir: session.path, env: process.env });
  writeEngineRecord(session.path, engineRecordFor(process.pid, reaper.pid, Date.now()));
  const stopHeartbeat = startHeartbeat(session.path);
  const registry = new ProcessRegistry();
  const platform = createPlatform(resolved.platform, { env: process.env, cwd: process.cwd(), registry });
  const engine: Engine = new Engine({
    loaded,
    platform,
    request: allocationRequest(loaded, resolved, session.path),
    session,
    self: selfCommand(),
    version: VERSION,
    settings: resolved.settings,
    registry,
    // The engine builds the request path (service hosts, remote endpoints, inference tasks, the HTTP front).
    requestPath: {
      ...(options.frontHost === undefined ? {} : { frontHost: options.frontHost }),
      ...(options.insecure === true ? { insecure: true } : {}),
      env: process.env,
      // Where ipc sockets go when the session directory's path is too long for them.
      ...(process.env.XDG_RUNTIME_DIR ? { runtimeDir: process.env.XDG_RUNTIME_DIR } : {}),
    },
    ...(extras.pilot === undefined
      ? {}
      : { pilot: { ...extras.pilot, onServicesAdded: (services) => engine.requestPath.addServices(services) } }),
  });

  const controller = new AbortController();
  const sink = await chooseSink({ json: options.json === true, stdout: process.stdout });
  // The reason is what session:end records: say who stopped the run (a bare abort says "This operation was aborted").
  const quit = () => new FlotillaError("INTERRUPTED", "interrupted: quit from the dashboard");
  await sink.attach(engine.bus, { stop: () => controller.abort(quit()) });
  const removeSignals = installSignalHandlers({
    abort: (reason) => controller.abort(reason),
    force: () => engine.kill(),
  });
  try {
    const code = await engine.run(controller.signal);
    process.exitCode = code;
    const end = engine.bus.getSnapshot().end;
    const writeError = engine.writeError;
    // --json keeps stdout for events; say why it failed where a person looks. A lost
    // session record is said there in every mode: stdout may be on the same full disk.
    if (writeError && writeError.message !== end?.reason) process.stderr.write(`flotilla: ${writeError.message}\n`);
    if ((options.json || writeError) && code !== 0 && end?.reason) process.stderr.write(`flotilla: ${end.reason}\n`);
    // Only when session:end itself could not be written does the code differ from what it said.
    if (end && end.exit_code !== code) {
      process.stderr.write(`flotilla: the session record is incomplete; exit code ${code}\n`);
    }
    extras.onEnd?.(code, engine.bus.getSnapshot());
  } finally {
    // Everything is stopped and recorded: the reaper has nothing left to do.
    reaper.end();
    stopHeartbeat();
    removeSignals();
    await sink.detach();
    // The session has ended and is recorded: nothing left in the event loop may hold the exit.
    exitPromptlyWhenDone();
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
  const { platform: _platform, settings: _settings, ...request } = resolved;
  return { ...request, jobName: `flotilla-${loaded.workload.name ?? "workload"}`, sessionDir };
}
