/**
 * CURVE on a service host's TCP socket, in process over loopback: the right
 * keys get answers; a client key not on the allow-list, a wrong server key
 * or no keys at all get nothing, and the host counts each refused handshake.
 * An ipc host's socket is the owner's alone and goes away with the host.
 */
import { existsSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { CurveClientKeys } from "../../engine/request/auth/client-keys.js";
import { newKeyPair } from "../../engine/request/auth/new-key-pair.js";
import { NoopBackend } from "../../engine/request/host/noop.js";
import { ipcPath, ServiceHost } from "../../engine/request/host/server.js";
import { ServiceClient } from "../../engine/request/wire/client.js";
import { uniqueAddress } from "../helpers/addresses.js";
import { waitUntil } from "../helpers/processes.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const server = newKeyPair();
const allowed = newKeyPair();
const stranger = newKeyPair();

async function curveHost(): Promise<ServiceHost> {
  const host = new ServiceHost({
    service: "echo",
    backend: new NoopBackend(),
    bind: uniqueAddress("tcp"),
    maxInflight: 4,
    maxQueue: 16,
    curve: { secretKey: server.secretKey, allowedClients: [allowed.publicKey] },
  });
  await host.start();
  cleanup.push(() => host.stop(500));
  return host;
}

function client(endpoint: string, curve?: CurveClientKeys): ServiceClient {
  const made = new ServiceClient(endpoint, { timeoutMs: 1_500, ...(curve === undefined ? {} : { curve }) });
  cleanup.push(() => made.close());
  return made;
}

/** Resolves "reply" or "no reply" (a timeout); anything else is a failure of the test. */
async function outcome(made: ServiceClient): Promise<string> {
  try {
    const reply = await made.request({ service: "echo", payload: "secret question" });
    return reply.ok ? "reply" : `error ${reply.error?.code}`;
  } catch (error) {
    if ((error as { context?: { reason?: string } }).context?.reason === "timeout") return "no reply";
    throw error;
  }
}

describe("a CURVE service host", () => {
  it("answers a client with an allowed key, and reports CURVE in its status", async () => {
    const host = await curveHost();
    const keys = { serverKey: server.publicKey, ...allowed };
    const reply = await client(host.endpoint, keys).request({ service: "echo", payload: "hi" });
    expect(reply.payload.toString()).toBe("hi");
    const status = await client(host.endpoint, keys).status();
    expect(status).toMatchObject({ auth: "curve", counters: { completed: 1, auth_failures: 0 } });
  });

  it.each([
    ["a client key it does not allow", { serverKey: server.publicKey, ...stranger }],
    ["a wrong server key", { serverKey: stranger.publicKey, ...allowed }],
    ["no keys at all", undefined],
  ])("gives nothing to %s and counts the attempt", async (_what, keys) => {
    const host = await curveHost();
    expect(await outcome(client(host.endpoint, keys))).toBe("no reply");
    await waitUntil(() => host.status().counters.auth_failures > 0, { timeoutMs: 5_000, what: "auth_failures" });
    expect(host.status().counters).toMatchObject({ received: 0, completed: 0 });
  });

  it("keeps serving allowed clients while refusing others", async () => {
    const host = await curveHost();
    const good = client(host.endpoint, { serverKey: server.publicKey, ...allowed });
    const [bad, ok] = await Promise.all([
      outcome(client(host.endpoint, { serverKey: server.publicKey, ...stranger })),
      Promise.all(Array.from({ length: 20 }, (_, i) => good.request({ service: "echo", payload: `${i}` }))),
    ]);
    expect(bad).toBe("no reply");
    expect(ok.map((r) => r.payload.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`));
  });
});

describe("an ipc service host", () => {
  it("makes its socket 0600 whatever the umask, and removes it when it stops", async () => {
    const previous = process.umask(0);
    let host: ServiceHost;
    try {
      host = new ServiceHost({
        service: "echo",
        backend: new NoopBackend(),
        bind: uniqueAddress("ipc"),
        maxInflight: 1,
        maxQueue: 1,
      });
      await host.start();
    } finally {
      process.umask(previous);
    }
    const path = ipcPath(host.endpoint) as string;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await client(host.endpoint).status()).auth).toBe("ipc");
    await host.stop(100);
    expect(existsSync(path)).toBe(false);
  });
});
