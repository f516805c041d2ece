/**
 * The command-line side of the control protocol (docs/control.md): reads
 * the socket and token from the session's control.json and sends one
 * request, waiting for its answer. A refused request becomes a FlotillaError
 * with the session's message (and exit code), so `submit` of a bad file
 * reports what `validate` would.
 */
import { createConnection } from "node:net";
import {
  CONTROL_VERSION,
  type ControlReply,
  EXIT_CODES,
  FlotillaError,
  type FlotillaErrorCode,
  readControlRecord,
} from "../../engine/index.js";

export type ControlAnswer = Extract<ControlReply, { ok: true }>;

const KNOWN_CODES = new Set<string>(["USAGE", "WORKLOAD_INVALID", "PLACEMENT_IMPOSSIBLE", "SESSION_WRITE_FAILED"]);

export async function sendControl(
  sessionDir: string,
  op: string,
  fields: Record<string, unknown> = {},
): Promise<ControlAnswer> {
  const record = readControlRecord(sessionDir);
  if (record === undefined) {
    throw new FlotillaError(
      "USAGE",
      `${sessionDir} takes no submissions: it is not running (or it was started with run, not up), or control.json is not readable by this user`,
      { context: { sessionDir } },
    );
  }
  const reply = await exchange(record.socket, { v: CONTROL_VERSION, id: 1, token: record.token, op, ...fields });
  if (reply.ok) return reply;
  const code = (KNOWN_CODES.has(reply.error.code) ? reply.error.code : "USAGE") as FlotillaErrorCode;
  throw new FlotillaError(code, reply.error.message, {
    context: reply.error.problems ? { problems: reply.error.problems } : {},
  });
}

function exchange(socketPath: string, request: Record<string, unknown>): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffer = "";
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new FlotillaError("USAGE", message, { context: { socket: socketPath } }));
    };
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf("\n");
      if (nl === -1 || settled) return;
      settled = true;
      socket.end();
      try {
        resolve(JSON.parse(buffer.slice(0, nl)) as ControlReply);
      } catch {
        reject(new FlotillaError("PROTOCOL", "the session answered something that is not JSON"));
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "ENOENT" || error.code === "ECONNREFUSED"
          ? "the session is not running (no one listens on its control socket)"
          : error.code === "EACCES"
            ? "permission denied (the session belongs to another user)"
            : error.message;
      fail(`cannot reach the session: ${why}`);
    });
    socket.on("close", () => fail("the session closed the connection before answering (it is stopping)"));
  });
}

/** Exit code for a set of ended tasks: 0 when all are done. */
export function tasksExitCode(tasks: Array<{ state?: unknown }>): number {
  return tasks.every((task) => task.state === "done") ? EXIT_CODES.ok : EXIT_CODES.taskFailed;
}
