/**
 * The ZAP handler (ZeroMQ RFC 27) of one CURVE host: ZeroMQ asks it about
 * every client that completes the CURVE handshake, and it admits only the
 * public keys on the host's allow-list. A refused client's messages never
 * reach the host; ZeroMQ reports the refusal as `handshake:error:auth`.
 *
 * ZAP is per ZeroMQ context (one fixed inproc address), so each CURVE host
 * gets a context of its own: several hosts in one process stay apart.
 */
import { Context, Reply } from "zeromq";
import { z85Decode } from "./z85.js";

export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
/** Set on the host's socket so ZeroMQ asks ZAP; the value is informational. */
export const ZAP_DOMAIN = "flotilla";

export class ZapHandler {
  readonly context = new Context();
  private readonly allowed: Set<string>;
  private readonly socket: Reply;
  private loop: Promise<void> | undefined;

  constructor(allowedClients: readonly string[]) {
    this.allowed = new Set(allowedClients.map((key) => z85Decode(key).toString("hex")));
    this.socket = new Reply({ context: this.context, linger: 0 });
  }

  /** Runs before the host's socket binds, so that no handshake finds it missing (the socket refuses those). */
  async start(): Promise<void> {
    await this.socket.bind(ZAP_ENDPOINT);
    this.loop = this.serve();
  }

  close(): Promise<void> | undefined {
    this.socket.close();
    return this.loop;
  }

  private async serve(): Promise<void> {
    try {
      for await (const [version, requestId, , , , mechanism, credential] of this.socket) {
        const admitted =
          mechanism?.toString() === "CURVE" &&
          credential !== undefined &&
          credential.length === 32 &&
          this.allowed.has(credential.toString("hex"));
        // Reply frames: version, request id, status code, status text, user id, metadata.
        await this.socket.send([
          version ?? "1.0",
          requestId ?? "",
          admitted ? "200" : "400",
          admitted ? "OK" : "client key not allowed",
          "",
          "",
        ]);
      }
    } catch {
      // Closing the socket ends the loop.
    }
  }
}
