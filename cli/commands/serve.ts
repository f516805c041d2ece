/**
 * `flotilla serve`: one standalone, persistent service host (e.g. a remote
 * instance on another machine). Shares its flags and lifecycle with the
 * hidden `flotilla service-host` the engine launches for every instance.
 */
import { type Command, Option } from "commander";
import {
  BACKENDS,
  type BackendName,
  describeExit,
  EXIT_CODES,
  errorMessage,
  exitCodeFor,
  FlotillaError,
  type HostConfig,
  isFlotillaError,
  parseDuration,
  type ReadySpec,
  type RunningHost,
  startHost,
} from "../../engine/host.js";
import { parseCount } from "../counts.js";
import { type AuthFlags, addAuthOptions, hostCurve, warnIfInsecure } from "./host-auth.js";

export interface HostFlags extends AuthFlags {
  backend: string;
  service?: string;
  bind?: string;
  port?: string;
  host: string;
  backendPort?: string;
  backendUrl?: string;
  ready?: string;
  maxInflight: string;
  maxQueue: string;
  delayMean?: string;
  delaySd?: string;
  maxPayload?: string;
  startupTimeout: string;
}

export function addHostOptions(cmd: Command): Command {
  return addAuthOptions(cmd)
    .addOption(new Option("--backend <kind>", "what answers requests").choices([...BACKENDS]).makeOptionMandatory())
    .option(
      "--service <name>",
      "the service this host serves; requests naming another get wrong_service (default: any)",
    )
    .option("--port <n>", "ZeroMQ port to bind on --host")
    .option("--host <addr>", "interface for --port (0.0.0.0 to accept remote clients)", "127.0.0.1")
    .option("--bind <endpoint>", "full ZeroMQ endpoint instead of --port: tcp://HOST:PORT, tcp://HOST:* or ipc://PATH")
    .option("--backend-port <n>", "the backend's HTTP port on 127.0.0.1 (openai); {port} in COMMAND becomes it")
    .option("--backend-url <url>", "the backend's origin instead of --backend-port, e.g. http://10.0.0.5:8000")
    .option("--ready <probe>", "backend readiness: http:/PATH, tcp or log:REGEX (openai default: http:/v1/models)")
    .option("--max-inflight <n>", "requests worked on at once", "8")
    .option("--max-queue <n>", "requests queued beyond that before explicit rejection", "256")
    .option("--delay-mean <ms>", "noop: mean emulated inference time")
    .option("--delay-sd <ms>", "noop: standard deviation of that time (gaussian, clipped at 0)")
    .option("--max-payload <bytes>", "largest accepted payload frame (default 16 MiB)")
    .option("--startup-timeout <duration>", "how long the backend may take to become ready", "10m")
    .argument("[command...]", "backend command to start, after --");
}

function parseReady(text: string): ReadySpec {
  if (text === "tcp") return { tcp: true };
  if (text.startsWith("http:/")) return { http: text.slice("http:".length) };
  if (text.startsWith("log:") && text.length > 4) return { log: text.slice(4) };
  throw new FlotillaError("USAGE", `--ready must be http:/PATH, tcp or log:REGEX, got ${JSON.stringify(text)}`);
}

function parseMs(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new FlotillaError("USAGE", `${flag} expects milliseconds >= 0, got ${text}`);
  return value;
}

export function hostConfigFrom(
  flags: HostFlags,
  command: string[],
  env: Record<string, string | undefined>,
): HostConfig {
  const backendPort = flags.backendPort === undefined ? undefined : parseCount("--backend-port", flags.backendPort, 1);
  const bind =
    flags.bind ?? (flags.port === undefined ? undefined : `tcp://${flags.host}:${parseCount("--port", flags.port, 0)}`);
  if (bind === undefined) throw new FlotillaError("USAGE", "give --port N or --bind ENDPOINT");
  const startupTimeoutMs = parseDuration(flags.startupTimeout);
  if (startupTimeoutMs === undefined)
    throw new FlotillaError("USAGE", `--startup-timeout: not a duration: ${flags.startupTimeout}`);
  const config: HostConfig = {
    service: flags.service ?? "",
    backend: flags.backend as BackendName,
    bind: bind.replace(/:0$/, ":*"),
    command: command.map((arg) => (backendPort === undefined ? arg : arg.replaceAll("{port}", String(backendPort)))),
    env,
    maxInflight: parseCount("--max-inflight", flags.maxInflight, 1),
    maxQueue: parseCount("--max-queue", flags.maxQueue, 0),
    startupTimeoutMs,
  };
  const backendUrl = flags.backendUrl ?? (backendPort === undefined ? undefined : `http://127.0.0.1:${backendPort}`);
  if (backendUrl !== undefined) config.backendUrl = backendUrl;
  if (flags.ready !== undefined) config.ready = parseReady(flags.ready);
  if (flags.delayMean !== undefined || flags.delaySd !== undefined) {
    config.delay = {
      mean_ms: parseMs("--delay-mean", flags.delayMean ?? "0"),
      sd_ms: parseMs("--delay-sd", flags.delaySd ?? "0"),
    };
  }
  if (flags.maxPayload !== undefined) config.maxPayloadBytes = parseCount("--max-payload", flags.maxPayload, 1);
  const curve = hostCurve(config.bind, flags);
  if (curve !== undefined) config.curve = curve;
  return config;
}

/** The host's config from its flags, or exit 2 with why; warns about --insecure. */
export function hostConfigOrExit(name: string, flags: HostFlags, command: string[]): HostConfig {
  let config: HostConfig;
  try {
    config = hostConfigFrom(flags, command, process.env);
  } catch (error) {
    fail(name, error);
  }
  warnIfInsecure(name, config.bind, flags);
  return config;
}

export interface HostLifecycle {
  /** Called once the host answers requests. */
  announce(running: RunningHost): void;
  /** Called after a stop, before exiting. */
  farewell?(running: RunningHost, reason: string): void;
  name: string;
  /**
   * Stop (backend group included) and exit once the process that started this
   * one is gone: a host the engine launched must not outlive an engine killed
   * with SIGKILL, whatever happens to its reaper.
   */
  exitWithParent?: boolean;
}

/** How often a host checks for its parent, and the grace its backend then gets. */
export const ORPHAN_POLL_MS = 250;
export const ORPHAN_GRACE_MS = 1_000;

/**
 * Runs a host until SIGINT/SIGTERM (exit 130/143) or until its backend exits
 * (exit 3, with the backend's stderr tail). Never returns.
 */
export async function runHost(config: HostConfig, lifecycle: HostLifecycle): Promise<never> {
  const abort = new AbortController();
  let running: RunningHost | undefined;
  let stopping = false;
  let signalled: { code: number; reason: string } | undefined;
  const finish = async (code: number, reason: string, graceMs?: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      if (running !== undefined) {
        await running.stop(graceMs);
        lifecycle.farewell?.(running, reason);
      }
    }
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm;
    if (running === undefined) {
      // Still starting: abort the start, which stops the backend, then exit with the signal's code.
      signalled ??= { code, reason: `received ${signal}` };
      abort.abort(new FlotillaError(signal === "SIGINT" ? "INTERRUPTED" : "TERMINATED", `received ${signal}`));
      return;
    }
    void finish(code, `received ${signal}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  // Whatever happens, the backend group does not outlive the host.
  process.on("exit", () => running?.process?.killNow());
  if (lifecycle.exitWithParent) {
    const parent = process.ppid;
    const watch = setInterval(() => {
      // Reparented (to init or a subreaper): the engine is gone.
      if (process.ppid === parent) return;
      clearInterval(watch);
      process.stderr.write(`flotilla ${lifecycle.name}: parent ${parent} is gone; stopping\n`);
      if (running === undefined) {
        signalled ??= { code: EXIT_CODES.sigterm, reason: "parent gone" };
        abort.abort(new FlotillaError("TERMINATED", "the process that started this host is gone"));
        return;
      }
      void finish(EXIT_CODES.sigterm, "parent gone", ORPHAN_GRACE_MS);
    }, ORPHAN_POLL_MS);
    watch.unref();
  }
  try {
    running = await startHost(config, abort.signal);
  } catch (error) {
    if (signalled !== undefined) process.exit(signalled.code);
    return fail(lifecycle.name, error);
  }
  if (signalled !== undefined) return finish(signalled.code, signalled.reason);
  lifecycle.announce(running);
  const exit = running.process?.exited;
  if (exit !== undefined) {
    void exit.then((how) => {
      if (stopping) return;
      const tail = running?.process?.lines.stderrTail() ?? [];
      process.stderr.write(
        `flotilla ${lifecycle.name}: backend ${config.command[0]} ${describeExit(how)}\n${tail.map((l) => `  | ${l}\n`).join("")}`,
      );
      void finish(EXIT_CODES.startup, "backend exited");
    });
  }
  return new Promise<never>(() => {});
}

export function fail(name: string, error: unknown): never {
  process.stderr.write(`flotilla ${name}: ${errorMessage(error)}\n`);
  process.exit(isFlotillaError(error) ? exitCodeFor(error.code) : 1);
}

export function register(program: Command): void {
  addHostOptions(
    program
      .command("serve")
      .description("Run one standalone service host (a persistent instance, e.g. on another machine) until stopped"),
  ).action(async (command: string[], flags: HostFlags) => {
    const config = hostConfigOrExit("serve", flags, command);
    config.onBackendLine = (_stream, line) => {
      process.stderr.write(`${line}\n`);
    };
    await runHost(config, {
      name: "serve",
      announce(running) {
        const backend = running.endpoint === undefined ? config.backend : `${config.backend} → ${running.endpoint}`;
        const auth = config.curve !== undefined ? ", CURVE" : running.zmq.startsWith("tcp://") ? ", INSECURE" : "";
        process.stdout.write(
          `flotilla serve: service '${config.service || "any"}' (${backend}${auth}) listening on ${running.zmq}` +
            ` (max_inflight ${config.maxInflight}, max_queue ${config.maxQueue}; ready in ${running.initMs} ms)\n`,
        );
      },
      farewell(running, reason) {
        const c = running.host.counters;
        process.stdout.write(
          `flotilla serve: stopped (${reason}); received ${c.received}, completed ${c.completed}, errors ${c.errors},` +
            ` rejected ${c.rejected}, expired ${c.expired}, canceled ${c.canceled}, malformed ${c.malformed},` +
            ` dropped ${c.dropped}, auth_failures ${c.auth_failures}\n`,
        );
      },
    });
  });
}
