/**
 * A service host as the engine launches it on another node (TCP with the
 * session's CURVE keys, passed as files), run here on loopback: the real
 * command line from hostCommand, the built binary, the session's client
 * keys. The engine's clients are served; one without the keys is not, and
 * is counted.
 */
import { describe, expect, it } from "vitest";
import { SessionKeys } from "../../engine/request/auth/session-keys.js";
import { SocketDir } from "../../engine/request/auth/socket-dir.js";
import { hostTransport } from "../../engine/request/auth/transport.js";
import { hostCommand } from "../../engine/request/drivers/host-driver.js";
import { parseReadyLine, READY_PATTERN } from "../../engine/request/host/ready-line.js";
import { ServiceClient } from "../../engine/request/wire/client.js";
import type { InstanceContext } from "../../engine/service/driver.js";
import { serviceSchema } from "../../engine/workload/schema.js";
import { startCli } from "../helpers/cli.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

describe("a host launched for another node", () => {
  it("binds TCP with the session's CURVE keys and serves only the session's clients", async () => {
    const session = tempDir();
    const keys = new SessionKeys(session);
    const context: InstanceContext = {
      service: serviceSchema.parse({ name: "echo", backend: "noop" }),
      instance: 0,
      placement: { node: "n1", cores: [0], gpus: [], slots: [{ node: "n1", cores: [0], gpus: [] }] },
      host: "127.0.0.1",
      port: 0,
      self: [],
      sessionDir: session,
    };
    // 127.0.0.1 stands in for a remote node's address.
    const transport = hostTransport(
      "echo.0",
      context.host,
      new SocketDir(session, undefined),
      () => keys,
      () => false,
    );
    expect(transport.kind).toBe("tcp");
    const plan = hostCommand(context, transport);
    // Only file paths on the command line, never a key.
    for (const key of [keys.server.secretKey, keys.client.secretKey]) expect(plan.command.join(" ")).not.toContain(key);

    const host = startCli(plan.command, { cwd: session });
    await host.waitForOutput(new RegExp(READY_PATTERN, "m"), 30_000);
    const line = new RegExp(READY_PATTERN, "m").exec(host.stdout);
    const zmq = parseReadyLine(line?.[1] as string)?.zmq as string;
    expect(zmq).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);

    const engine = new ServiceClient(zmq, { timeoutMs: 10_000, curve: keys.clientKeys });
    const stranger = new ServiceClient(zmq, { timeoutMs: 1_500 });
    try {
      const reply = await engine.request({ service: "echo", payload: "from the engine" });
      expect(reply.payload.toString()).toBe("from the engine");
      await expect(stranger.request({ service: "echo", payload: "from a neighbour" })).rejects.toThrow(/no reply/);
      await waitUntil(async () => (await engine.status()).counters.auth_failures > 0, {
        timeoutMs: 10_000,
        what: "the host to count the stranger",
      });
      expect(await engine.status()).toMatchObject({ auth: "curve", counters: { completed: 1, errors: 0 } });
    } finally {
      engine.close();
      stranger.close();
    }
    host.child.kill("SIGTERM");
    expect((await host.done).code).toBe(143);
  });
});
