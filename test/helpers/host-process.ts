/**
 * Real processes for request-path tests: the flotilla CLI (the built binary,
 * see cliCommand) and the OpenAI-compatible model server over node-llama-cpp.
 * Every process is started in its own group and killed with it afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { certificateText, writePrivateFile } from "../../engine/request/auth/key-files.js";
import { newKeyPair } from "../../engine/request/auth/new-key-pair.js";
import { cliCommand } from "./cli.js";
import { freePort, groupMembers, waitUntil } from "./processes.js";
import { tempDir } from "./tmp.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const MODEL_SERVER = join(ROOT, "test/fixtures/model/server.ts");

export interface Spawned {
  child: ChildProcess;
  pid: number;
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGKILLs the whole group (idempotent) and waits until it is empty. */
  kill(): Promise<void>;
}

/** `node --import tsx ARGS` from the repository root, in its own process group. */
export function spawnTsx(args: string[]): Spawned {
  return spawnGroup([process.execPath, "--import", "tsx", ...args]);
}

/** COMMAND from the repository root, in its own process group. */
function spawnGroup([file, ...args]: string[]): Spawned {
  const child = spawn(file as string, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid as number;
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on("line", (text) => {
    stdout.push(text);
    for (const wake of [...waiters]) wake();
  });
  createInterface({ input: child.stderr! }).on("line", (text) => stderr.push(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => {
      done({ code, signal });
      for (const wake of [...waiters]) wake();
    }),
  );
  let exitedYet = false;
  void exited.then(() => {
    exitedYet = true;
  });
  return {
    child,
    pid,
    stdout,
    stderr,
    exited,
    line(pattern, timeoutMs = 60_000) {
      return new Promise((resolveLine, reject) => {
        const check = () => {
          for (const text of stdout) {
            const match = pattern.exec(text);
            if (match) {
              cleanup();
              return resolveLine(match);
            }
          }
          if (exitedYet) {
            cleanup();
            reject(new Error(`process exited before printing ${pattern}; stderr:\n${stderr.slice(-20).join("\n")}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr:\n${stderr.slice(-20).join("\n")}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          const index = waiters.indexOf(check);
          if (index >= 0) waiters.splice(index, 1);
        };
        waiters.push(check);
        check();
      });
    },
    async kill() {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
      await waitUntil(() => groupMembers(pid).length === 0, { what: `group ${pid} to exit` });
    },
  };
}

/** The flotilla CLI as users run it (the sources with FLOTILLA_TEST_SOURCE=1). */
export function spawnCli(args: string[]): Spawned {
  return spawnGroup([...cliCommand(), ...args]);
}

export interface ModelServer {
  process: Spawned;
  port: number;
  url: string;
}

/** Starts the node-llama-cpp test server on a free port and waits until it listens. */
export async function startModelServer(): Promise<ModelServer> {
  const port = await freePort();
  const server = spawnTsx([MODEL_SERVER, "--port", String(port), "--threads", "1"]);
  await server.line(/^listening on /, 90_000);
  return { process: server, port, url: `http://127.0.0.1:${port}` };
}

/** The command line that starts the model server, for `service-host -- COMMAND` ({port} is substituted). */
export function modelServerCommand(): string[] {
  return [process.execPath, "--import", "tsx", MODEL_SERVER, "--port", "{port}", "--threads", "1"];
}

export interface CurveServe {
  serve: Spawned;
  port: number;
  /** The host's public key, as a workload's `server_key` takes it. */
  serverKey: string;
  /** The file of a client pair the host allows (`client_keys`). */
  clientKeys: string;
  /** That pair's secret key, for tests that check where it must not appear. */
  clientSecretKey: string;
}

/**
 * `flotilla serve --backend noop` for `service` on TCP with CURVE, as a
 * remote host is run: a fresh host pair and one allowed client pair, in
 * private files of a temporary directory. Resolves once it listens.
 */
export async function startCurveServe(service: string): Promise<CurveServe> {
  const port = await freePort();
  const keys = tempDir("flotilla-keys-");
  const server = newKeyPair();
  const client = newKeyPair();
  const clientKeys = join(keys, "client.key_secret");
  writePrivateFile(join(keys, "host.key_secret"), certificateText(server));
  writePrivateFile(clientKeys, certificateText(client));
  writePrivateFile(join(keys, "client.key"), certificateText({ publicKey: client.publicKey }));
  const serve = spawnCli([
    "serve",
    "--backend",
    "noop",
    "--port",
    String(port),
    "--service",
    service,
    "--curve-secret",
    join(keys, "host.key_secret"),
    "--curve-clients",
    join(keys, "client.key"),
  ]);
  await serve.line(/listening on tcp:\/\//, 60_000);
  return { serve, port, serverKey: server.publicKey, clientKeys, clientSecretKey: client.secretKey };
}
