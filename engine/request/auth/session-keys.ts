/**
 * The CURVE keys of one session, made when its request path starts: a pair
 * for the service hosts and a pair for their clients (the engine's
 * dispatchers and the tasks), in `<session>/keys/` (0700, every file 0600):
 *
 *   server.key_secret   the hosts' pair; hosts read it through --curve-secret
 *   server.key          the hosts' public key
 *   client.key_secret   the clients' pair
 *   client.key          the clients' public key: the hosts' --curve-clients allow-list
 *   <service>.zmq.json  FLOTILLA_SERVICE_<NAME>_ZMQ_KEYS of a service's tasks
 */
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { curveKeyPair } from "zeromq";
import { logFileName } from "../../session/session-dir.js";
import { type CurveClientKeys, type KeysFile, writeKeysFile } from "./client-keys.js";
import { certificateText, type KeyPair, writePrivateFile } from "./key-files.js";

export class SessionKeys {
  readonly dir: string;
  readonly server: KeyPair;
  readonly client: KeyPair;
  /** The last keys file written per service, so an unchanged one is not rewritten for every task. */
  private readonly written = new Map<string, string>();

  constructor(sessionDir: string) {
    this.dir = join(sessionDir, "keys");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    this.server = curveKeyPair();
    this.client = curveKeyPair();
    writePrivateFile(join(this.dir, "server.key_secret"), certificateText(this.server));
    writePrivateFile(join(this.dir, "server.key"), certificateText({ publicKey: this.server.publicKey }));
    writePrivateFile(join(this.dir, "client.key_secret"), certificateText(this.client));
    writePrivateFile(join(this.dir, "client.key"), certificateText({ publicKey: this.client.publicKey }));
  }

  /** What the engine's own clients use for the hosts it launched. */
  get clientKeys(): CurveClientKeys {
    return { serverKey: this.server.publicKey, ...this.client };
  }

  /** Flags of a launched host bound to TCP: files, never the keys themselves. */
  hostFlags(): string[] {
    return ["--curve-secret", join(this.dir, "server.key_secret"), "--curve-clients", join(this.dir, "client.key")];
  }

  /** Writes (when changed) the keys file of `service`'s tasks; returns its path. */
  serviceKeysFile(service: string, file: KeysFile): string {
    const path = join(this.dir, `${logFileName(service)}.zmq.json`);
    const text = JSON.stringify(file);
    if (this.written.get(service) !== text) {
      writeKeysFile(path, file);
      this.written.set(service, text);
    }
    return path;
  }
}
