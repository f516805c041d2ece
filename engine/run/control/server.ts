/**
 * The control socket's server: reads request lines (capped in size), checks
 * each against the protocol and the session token, hands it to the handler
 * and writes the answer line. A bad line gets an error answer, never a crash;
 * a line without its end (a submitter that died mid-write) is dropped whole,
 * so nothing of it is ever acted on.
 *
 * Node cannot read a Unix socket's peer credentials (SO_PEERCRED); the guard
 * is where the socket is (a 0700 directory only its owner can enter) and the
 * token, which only a reader of the 0600 control.json knows.
 */
import { timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { errorMessage, isFlotillaError } from "../../errors.js";
import {
  CONTROL_VERSION,
  type ControlError,
  type ControlReply,
  type ControlRequest,
  controlRequestSchema,
  MAX_REQUEST_BYTES,
} from "./protocol.js";

export type ControlHandler = (request: ControlRequest) => Promise<Record<string, unknown>>;

export interface ControlServerOptions {
  path: string;
  token: string;
  handle: ControlHandler;
}

export class ControlServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly token: Buffer;

  private constructor(private readonly options: ControlServerOptions) {
    this.token = Buffer.from(options.token);
    this.server = createServer((socket) => this.accept(socket));
  }

  static async listen(options: ControlServerOptions): Promise<ControlServer> {
    const control = new ControlServer(options);
    // A socket file left by nothing alive (it is in our own private directory).
    rmSync(options.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      control.server.once("error", reject);
      control.server.listen(options.path, () => {
        control.server.off("error", reject);
        resolve();
      });
    });
    chmodSync(options.path, 0o600);
    return control;
  }

  /** Stops taking connections; open ones keep getting answers until `close`. */
  stopListening(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      rmSync(this.options.path, { force: true });
    });
  }

  async close(): Promise<void> {
    const stopped = this.stopListening();
    for (const socket of this.sockets) socket.end();
    // end() lets answers already written go out; a peer that does not read them is cut off.
    const gone = [...this.sockets].map(
      (socket) => new Promise<void>((resolve) => socket.once("close", () => resolve())),
    );
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, 1_000);
    await Promise.all([stopped, ...gone]);
    clearTimeout(timer);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    let buffered: Buffer[] = [];
    let size = 0;
    socket.on("data", (chunk: Buffer) => {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const line = Buffer.concat([...buffered, chunk.subarray(start, nl)]);
        buffered = [];
        size = 0;
        start = nl + 1;
        if (line.length > MAX_REQUEST_BYTES) this.refuse(socket, null, tooLong());
        else void this.answer(socket, line.toString("utf8"));
      }
      const rest = chunk.subarray(start);
      size += rest.length;
      if (size > MAX_REQUEST_BYTES) {
        this.refuse(socket, null, tooLong());
        socket.destroy();
        return;
      }
      if (rest.length > 0) buffered.push(rest);
    });
  }

  private async answer(socket: Socket, line: string): Promise<void> {
    if (line.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return this.refuse(socket, null, { code: "PROTOCOL", message: "not a JSON object" });
    }
    const id = idOf(raw);
    const parsed = controlRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      return this.refuse(socket, id, { code: "PROTOCOL", message: `bad request: ${where}${issue?.message ?? "?"}` });
    }
    const request = parsed.data;
    const given = Buffer.from(request.token);
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      return this.refuse(socket, id, { code: "USAGE", message: "wrong session token (read it from control.json)" });
    }
    try {
      const result = await this.options.handle(request);
      this.write(socket, { v: CONTROL_VERSION, id: request.id, ok: true, ...result });
    } catch (error) {
      const problems = isFlotillaError(error) ? error.context.problems : undefined;
      this.refuse(socket, request.id, {
        code: isFlotillaError(error) ? error.code : "INTERNAL",
        message: errorMessage(error),
        ...(Array.isArray(problems) ? { problems } : {}),
      });
    }
  }

  private refuse(socket: Socket, id: string | number | null, error: ControlError): void {
    this.write(socket, { v: CONTROL_VERSION, id, ok: false, error });
  }

  private write(socket: Socket, reply: ControlReply): void {
    if (socket.writable) socket.write(`${JSON.stringify(reply)}\n`);
  }
}

function tooLong(): ControlError {
  return { code: "PROTOCOL", message: `request longer than ${MAX_REQUEST_BYTES} bytes` };
}

function idOf(raw: unknown): string | number | null {
  if (typeof raw !== "object" || raw === null) return null;
  const id = (raw as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}
