import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { completeKeys, readClientKeys, readServerKey } from "../../../../engine/request/auth/client-keys.js";
import {
  certificateText,
  readAllowList,
  readSecretKeyFile,
  writePrivateFile,
} from "../../../../engine/request/auth/key-files.js";
import { newKeyPair } from "../../../../engine/request/auth/new-key-pair.js";
import { SessionKeys } from "../../../../engine/request/auth/session-keys.js";
import { MAX_SOCKET_PATH, SocketDir, socketName } from "../../../../engine/request/auth/socket-dir.js";
import { hostTransport, isThisMachine } from "../../../../engine/request/auth/transport.js";
import { isCurveKey, z85Decode, z85Encode } from "../../../../engine/request/auth/z85.js";
import { tempDir } from "../../../helpers/tmp.js";

const mode = (path: string) => statSync(path).mode & 0o777;

/** Runs `body` with a umask that would leave new files open to everyone. */
function withOpenUmask<T>(body: () => T): T {
  const previous = process.umask(0);
  try {
    return body();
  } finally {
    process.umask(previous);
  }
}

describe("Z85", () => {
  it("round-trips libzmq's keys and the RFC 32 test vector", () => {
    const pair = newKeyPair();
    expect(isCurveKey(pair.publicKey)).toBe(true);
    expect(z85Encode(z85Decode(pair.secretKey))).toBe(pair.secretKey);
    expect(z85Decode(pair.publicKey)).toHaveLength(32);
    expect(z85Encode(Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe("HelloWorld");
    expect(isCurveKey("short")).toBe(false);
    expect(isCurveKey(`${"a".repeat(39)}"`)).toBe(false);
  });
});

describe("key files", () => {
  it("reads certificates, bare keys and directories of public keys; refuses secrets others can read", () => {
    const dir = tempDir();
    const host = newKeyPair();
    const [a, b] = [newKeyPair(), newKeyPair()];
    writePrivateFile(join(dir, "host.key_secret"), certificateText(host));
    expect(readSecretKeyFile("--curve-secret", join(dir, "host.key_secret"))).toBe(host.secretKey);
    writeFileSync(join(dir, "bare"), `${host.secretKey}\n`, { mode: 0o644 });
    expect(() => readSecretKeyFile("--curve-secret", join(dir, "bare"))).toThrow(
      /other users \(mode 0644\).*chmod 600/,
    );
    chmodSync(join(dir, "bare"), 0o600);
    expect(readSecretKeyFile("--curve-secret", join(dir, "bare"))).toBe(host.secretKey);

    const clients = join(dir, "clients");
    mkdirSync(clients);
    writeFileSync(join(clients, "a.key"), certificateText({ publicKey: a.publicKey }));
    writeFileSync(join(clients, "more"), `# two more\n${b.publicKey}\n${a.publicKey}\n`);
    // A secret next to the public keys is not read as an allowed key.
    writePrivateFile(join(clients, "c.key_secret"), certificateText(newKeyPair()));
    expect(readAllowList("--curve-clients", clients).sort()).toEqual([a.publicKey, b.publicKey].sort());
    expect(readAllowList("--curve-clients", join(clients, "a.key"))).toEqual([a.publicKey]);
    writeFileSync(join(dir, "empty"), "# nothing\n");
    expect(() => readAllowList("--curve-clients", join(dir, "empty"))).toThrow(/no client public keys/);
  });

  it("takes client keys from a keys file (per endpoint) or a certificate, and the server key inline or from a file", () => {
    const dir = tempDir();
    const server = newKeyPair();
    const client = newKeyPair();
    const entry = { server_key: server.publicKey, public_key: client.publicKey, secret_key: client.secretKey };
    writePrivateFile(join(dir, "keys.json"), JSON.stringify({ "tcp://h:1": entry }));
    expect(readClientKeys("k", join(dir, "keys.json"), "tcp://h:1")).toEqual({
      serverKey: server.publicKey,
      ...client,
    });
    expect(() => readClientKeys("k", join(dir, "keys.json"), "tcp://h:2")).toThrow(/no keys for tcp:\/\/h:2/);
    writePrivateFile(join(dir, "client.key_secret"), certificateText(client));
    const partial = readClientKeys("k", join(dir, "client.key_secret"));
    expect(() => completeKeys("k", partial)).toThrow(/missing or malformed CURVE server key/);
    writeFileSync(join(dir, "host.key"), certificateText({ publicKey: server.publicKey }));
    expect(readServerKey("s", join(dir, "host.key"))).toBe(server.publicKey);
    expect(readServerKey("s", server.publicKey)).toBe(server.publicKey);
    expect(completeKeys("k", { ...partial, serverKey: server.publicKey })).toEqual({
      serverKey: server.publicKey,
      ...client,
    });
  });
});

describe("session keys and sockets", () => {
  it("keep the session's keys private whatever the umask", () => {
    const session = tempDir();
    const keys = withOpenUmask(() => new SessionKeys(session));
    expect(mode(keys.dir)).toBe(0o700);
    const files = readdirSync(keys.dir);
    expect(files.sort()).toEqual(["client.key", "client.key_secret", "server.key", "server.key_secret"]);
    for (const file of files) expect(mode(join(keys.dir, file))).toBe(0o600);
    expect(readFileSync(join(keys.dir, "client.key"), "utf8")).toContain(keys.client.publicKey);
    expect(keys.hostFlags()).toEqual([
      "--curve-secret",
      join(keys.dir, "server.key_secret"),
      "--curve-clients",
      join(keys.dir, "client.key"),
    ]);
    const path = withOpenUmask(() =>
      keys.serviceKeysFile("my llm", { "tcp://h:1": { server_key: "s", public_key: "p", secret_key: "x" } }),
    );
    expect(mode(path)).toBe(0o600);
  });

  it("put ipc sockets in <session>/sockets, or in a private temporary directory when that path is too long", () => {
    // 70 bytes: room in <session>/sockets for "llm.0.sock", not for the longest name an instance gets.
    const base = tempDir();
    const session = join(base, "s".repeat(69 - base.length));
    mkdirSync(session);
    const short = new SocketDir(session, undefined);
    expect(withOpenUmask(() => short.endpoint("llm.0"))).toBe(`ipc://${join(session, "sockets", "llm.0.sock")}`);
    expect(mode(join(session, "sockets"))).toBe(0o700);
    // An instance whose name makes the path too long goes elsewhere; the others stay in the session.
    const name = `${"x".repeat(46)}.0`;
    expect(socketName(name)).toBe(name);
    expect(short.endpoint(name)).toBe(`ipc://${join(short.fallbackPath as string, `${name}.sock`)}`);
    expect(socketName(`${"y".repeat(200)}.0`)).toMatch(/^y{39}-[0-9a-f]{8}$/);
    expect(short.endpoint("llm.1")).toBe(`ipc://${join(session, "sockets", "llm.1.sock")}`);
    const fallback = short.fallbackPath as string;
    short.remove();
    expect(() => statSync(join(session, "sockets"))).toThrow();
    expect(() => statSync(fallback)).toThrow();

    const deep = join(session, "d".repeat(MAX_SOCKET_PATH));
    mkdirSync(deep);
    const runtime = tempDir();
    const long = new SocketDir(deep, runtime);
    const endpoint = long.endpoint("llm.0");
    const dir = long.fallbackPath as string;
    expect(endpoint).toBe(`ipc://${join(dir, "llm.0.sock")}`);
    expect(dir.startsWith(runtime)).toBe(true);
    expect(mode(dir)).toBe(0o700);
    expect(readFileSync(join(deep, "sockets.path"), "utf8").trim()).toBe(dir);
    long.remove();
    expect(() => statSync(dir)).toThrow();
  });

  it("choose ipc on this machine and CURVE TCP with the session's keys elsewhere", () => {
    expect(["127.0.0.1", "localhost", "::1", hostname()].every(isThisMachine)).toBe(true);
    expect(isThisMachine("192.0.2.7")).toBe(false);
    const session = tempDir();
    const sockets = new SocketDir(session, undefined);
    let made: SessionKeys | undefined;
    const keys = () => {
      made ??= new SessionKeys(session);
      return made;
    };
    expect(hostTransport("llm.0", "127.0.0.1", sockets, keys)).toEqual({
      kind: "ipc",
      flags: ["--bind", `ipc://${join(session, "sockets", "llm.0.sock")}`],
    });
    expect(made).toBeUndefined();
    const remote = hostTransport("llm.1", "192.0.2.7", sockets, keys);
    expect(remote).toMatchObject({ kind: "tcp", keys: { serverKey: made?.server.publicKey } });
    expect(remote.flags.slice(0, 4)).toEqual(["--host", "192.0.2.7", "--port", "0"]);
    expect(remote.flags).toContain("--curve-secret");
  });
});
