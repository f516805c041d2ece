/**
 * `flotilla request ENDPOINT`: sends one request to a service host and
 * prints the reply with its timing breakdown (docs/cli.md, docs/protocol.md).
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import {
  type CurveClientKeys,
  clientFailureReason,
  completeKeys,
  errorMessage,
  exitCodeFor,
  FlotillaError,
  isFlotillaError,
  parseDuration,
  type Reply,
  readClientKeys,
  readServerKey,
  ServiceClient,
} from "../../engine/index.js";

interface RequestFlags {
  service?: string;
  data?: string;
  path?: string;
  method?: "POST" | "GET";
  timeout: string;
  json?: boolean;
  status?: boolean;
  stream?: boolean;
  curveServerKey?: string;
  curveKeys?: string;
}

/** The client's CURVE keys from --curve-keys and --curve-server-key; undefined without either. */
function curveKeys(endpoint: string, flags: RequestFlags): CurveClientKeys | undefined {
  if (flags.curveKeys === undefined && flags.curveServerKey === undefined) return undefined;
  const normalized = endpoint.includes("://") ? endpoint : `tcp://${endpoint}`;
  const keys = flags.curveKeys === undefined ? {} : readClientKeys("--curve-keys", flags.curveKeys, normalized);
  if (flags.curveServerKey !== undefined) keys.serverKey = readServerKey("--curve-server-key", flags.curveServerKey);
  return completeKeys("--curve-keys/--curve-server-key", keys);
}

/** A timeout says what most likely caused it when the endpoint is one that could require keys. */
function explained(error: unknown, client: ServiceClient, curve: CurveClientKeys | undefined): unknown {
  if (!isFlotillaError(error) || clientFailureReason(error) !== "timeout") return error;
  if (client.handshakeError !== undefined) {
    return new FlotillaError(
      "REQUEST_FAILED",
      `${error.message}: authentication failed (${client.handshakeError}); ` +
        "check --curve-server-key (the host's public key) and --curve-keys (a client pair the host allows)",
      { cause: error, context: error.context },
    );
  }
  if (!client.endpoint.startsWith("tcp://")) return error;
  const hint =
    curve === undefined
      ? "if the host requires CURVE authentication (the default for flotilla serve on TCP), pass --curve-keys FILE and --curve-server-key KEY|FILE"
      : "likely cause: authentication (a host answers nothing to a client whose keys it does not accept), or the host is not running";
  return new FlotillaError("REQUEST_FAILED", `${error.message}; ${hint}`, { cause: error, context: error.context });
}

function readData(data: string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (data.startsWith("@")) {
    try {
      return readFileSync(data.slice(1));
    } catch (error) {
      throw new FlotillaError("USAGE", `--data ${data}: cannot read the file`, { cause: error });
    }
  }
  return Buffer.from(data);
}

function body(payload: Buffer): unknown {
  const text = payload.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** --stream: the body asks the backend for an event stream too (a JSON object gets `"stream": true`). */
function streamed(payload: Buffer): Buffer {
  const parsed = body(payload);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return payload;
  return Buffer.from(JSON.stringify({ ...parsed, stream: true }));
}

const ms = (value: number) => value.toFixed(2);

function printText(reply: Reply): void {
  const status = reply.http_status === undefined ? "" : `, HTTP ${reply.http_status}`;
  const what = reply.ok ? "reply" : `error ${reply.error?.code}: ${reply.error?.message}`;
  process.stdout.write(`${what} from ${reply.host} (${reply.endpoint}${status})\n`);
  const shown = body(reply.payload);
  if (reply.payload.length > 0) {
    process.stdout.write(`${typeof shown === "string" ? shown : JSON.stringify(shown, null, 2)}\n`);
  }
  const t = reply.timing;
  const first = t.first_piece_ms === undefined ? "" : `; first piece after ${ms(t.first_piece_ms)} ms`;
  process.stdout.write(
    `timing: total ${ms(t.total_ms)} ms = communication ${ms(t.communication_ms)} + service ${ms(t.service_ms)}` +
      ` + inference ${ms(t.inference_ms)}${first}\n`,
  );
}

function printJson(reply: Reply): void {
  const out = {
    ok: reply.ok,
    kind: reply.kind,
    service: reply.service,
    host: reply.host,
    endpoint: reply.endpoint,
    ...(reply.http_status === undefined ? {} : { http_status: reply.http_status }),
    ...(reply.error === undefined ? {} : { error: reply.error }),
    response: body(reply.payload),
    ...reply.timing,
    ts: reply.ts,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function run(endpoint: string, flags: RequestFlags): Promise<number> {
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw new FlotillaError("USAGE", `--timeout: not a duration: ${flags.timeout}`);
  // Up to a second for a last cancel to reach the host when the user interrupts.
  const curve = curveKeys(endpoint, flags);
  const client = new ServiceClient(endpoint, {
    timeoutMs,
    lingerMs: 1_000,
    watchHandshake: true,
    ...(curve === undefined ? {} : { curve }),
  });
  const interrupted = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const stop = (received: NodeJS.Signals) => () => {
    signal = received;
    interrupted.abort();
  };
  const onInt = stop("SIGINT");
  const onTerm = stop("SIGTERM");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  try {
    if (flags.status) {
      const status = await client.status(timeoutMs).catch((error: unknown) => {
        throw explained(error, client, curve);
      });
      process.stdout.write(`${JSON.stringify(status, null, flags.json ? undefined : 2)}\n`);
      return 0;
    }
    const data = readData(flags.data);
    // Pieces go out as they come: raw in text mode, one {"piece": …} line each with --json.
    const onPiece = flags.json
      ? (piece: Buffer) => process.stdout.write(`${JSON.stringify({ piece: piece.toString("utf8") })}\n`)
      : (piece: Buffer) => process.stdout.write(piece);
    let reply: Reply;
    try {
      reply = await client.request({
        payload: flags.stream ? streamed(data) : data,
        timeoutMs,
        // Interrupting cancels the request on the host: a model stops generating for it.
        signal: interrupted.signal,
        ...(flags.stream ? { onPiece } : {}),
        ...(flags.service === undefined ? {} : { service: flags.service }),
        ...(flags.path === undefined ? {} : { path: flags.path }),
        ...(flags.method === undefined ? {} : { method: flags.method }),
      });
    } catch (error) {
      if (signal === undefined) throw explained(error, client, curve);
      const code = signal === "SIGINT" ? "INTERRUPTED" : "TERMINATED";
      throw new FlotillaError(code, `interrupted by ${signal}; the request was canceled on the host`);
    }
    (flags.json ? printJson : printText)(reply);
    return reply.ok ? 0 : exitCodeFor("REQUEST_FAILED");
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    client.close();
  }
}

export function register(program: Command): void {
  program
    .command("request")
    .description("Send one request to a service host and print the reply with its timing breakdown")
    .argument("<endpoint>", "the host's ZeroMQ endpoint: tcp://HOST:PORT, HOST:PORT or ipc://PATH")
    .option("--service <name>", "service the request is for")
    .option("--data <json>", "payload: JSON text, or @FILE")
    .option(
      "--path <path>",
      "backend HTTP path; without it an openai host posts to /v1/completions and a noop host echoes the payload",
    )
    .addOption(new Option("--method <method>", "backend HTTP method").choices(["POST", "GET"]))
    .option("--timeout <duration>", "give up after this long", "30s")
    .option("--json", "print one JSON object instead of text")
    .option("--status", "ask the host for its status (in flight, queue depth, counters) instead")
    .option("--stream", 'ask for the answer as it is made ("stream": true) and print each piece as it arrives')
    .option("--curve-server-key <key|file>", "the CURVE host's public key: 40 characters, or a file (NAME.key)")
    .option(
      "--curve-keys <file>",
      "this client's CURVE pair: NAME.key_secret from flotilla keygen, or a keys JSON file (FLOTILLA_SERVICE_<NAME>_ZMQ_KEYS)",
    )
    .action(async (endpoint: string, flags: RequestFlags) => {
      try {
        process.exitCode = await run(endpoint, flags);
      } catch (error) {
        process.stderr.write(`flotilla request: ${errorMessage(error)}\n`);
        // A script reading --json gets one object either way, so it never parses an empty stdout.
        if (flags.json) {
          const code = isFlotillaError(error) ? error.code : "INTERNAL";
          process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message: errorMessage(error) } })}\n`);
        }
        process.exitCode = isFlotillaError(error) ? exitCodeFor(error.code) : 1;
      }
    });
}
