/** The latency proxy of remote bench instances: every byte arrives, in order, never before its delay. */
import { connect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startProxy } from "../../../cli/bench/proxy.js";

let echo: Server | undefined;
afterEach(() => {
  echo?.close();
  echo = undefined;
});

async function echoServer(): Promise<number> {
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo!.listen(0, "127.0.0.1", resolve));
  return (echo.address() as { port: number }).port;
}

describe("latency proxy", () => {
  it("delays each direction by at least the delay and keeps the stream in order", async () => {
    const port = await echoServer();
    const proxy = await startProxy({ target: { host: "127.0.0.1", port }, delayMs: 10, jitterMs: 5 });
    const socket = connect(proxy.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const sent = Array.from({ length: 50 }, (_, i) => `${i};`).join("");
    let received = "";
    const start = performance.now();
    const firstByte = new Promise<number>((resolve) => socket.once("data", () => resolve(performance.now() - start)));
    const all = new Promise<void>((resolve) =>
      socket.on("data", (chunk) => {
        received += chunk.toString();
        if (received.length >= sent.length) resolve();
      }),
    );
    for (let i = 0; i < 50; i++) socket.write(`${i};`);
    expect(await firstByte).toBeGreaterThanOrEqual(20);
    await all;
    expect(received).toBe(sent);
    socket.destroy();
    await proxy.close();
  });
});
