import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../../engine/errors.js";
import { OutputLines } from "../../../engine/service/lines.js";
import { freePort } from "../../../engine/service/port.js";
import { compilePattern, waitForProbe } from "../../../engine/service/probes.js";

const host = "127.0.0.1";
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function track(server: Server | TcpServer): void {
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

function listenHttp(port: number, status: () => number): Promise<Server> {
  const server = createHttpServer((_req, res) => {
    res.statusCode = status();
    res.end("ok");
  });
  track(server);
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

describe("http probe", () => {
  it("waits for the server to come up, then publishes http://host:port", async () => {
    const port = await freePort();
    const target = { host, port, lines: new OutputLines() };
    const started = Date.now();
    setTimeout(() => void listenHttp(port, () => 200), 300);
    const endpoint = await waitForProbe({ http: "/health" }, target, AbortSignal.timeout(5_000));
    expect(endpoint).toBe(`http://${host}:${port}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("treats 5xx as not ready and 4xx as ready", async () => {
    const port = await freePort();
    let answers = 0;
    await listenHttp(port, () => (++answers < 3 ? 503 : 404));
    const endpoint = await waitForProbe(
      { http: "/" },
      { host, port, lines: new OutputLines() },
      AbortSignal.timeout(5_000),
    );
    expect(endpoint).toBe(`http://${host}:${port}`);
    expect(answers).toBe(3);
  });

  it("gives up when the signal aborts", async () => {
    const port = await freePort();
    const probe = waitForProbe({ http: "/" }, { host, port, lines: new OutputLines() }, AbortSignal.timeout(300));
    await expect(probe).rejects.toMatchObject({ name: "TimeoutError" });
  });
});

describe("tcp probe", () => {
  it("passes once a connection opens and publishes tcp://host:port", async () => {
    const port = await freePort();
    const server = createTcpServer((socket) => socket.end());
    track(server);
    setTimeout(() => server.listen(port, host), 200);
    const endpoint = await waitForProbe(
      { tcp: true },
      { host, port, lines: new OutputLines() },
      AbortSignal.timeout(5_000),
    );
    expect(endpoint).toBe(`tcp://${host}:${port}`);
  });

  it("keeps failing while nothing listens", async () => {
    const port = await freePort();
    const probe = waitForProbe({ tcp: true }, { host, port, lines: new OutputLines() }, AbortSignal.timeout(400));
    await expect(probe).rejects.toMatchObject({ name: "TimeoutError" });
  });
});

describe("log probe", () => {
  it("captures the endpoint from the first matching line on either stream", async () => {
    const lines = new OutputLines();
    const probe = waitForProbe({ log: "listening on (\\S+)" }, { host, port: 1, lines }, AbortSignal.timeout(5_000));
    lines.push("stdout", "loading weights");
    lines.push("stderr", "listening on http://10.0.0.7:8000 (pid 1)");
    lines.push("stderr", "listening on http://other:1");
    await expect(probe).resolves.toBe("http://10.0.0.7:8000");
  });

  it("sees lines printed before the probe started", async () => {
    const lines = new OutputLines();
    lines.push("stdout", "READY");
    await expect(
      waitForProbe({ log: "^READY$" }, { host, port: 4242, lines }, AbortSignal.timeout(1_000)),
    ).resolves.toBe(`http://${host}:4242`);
  });

  it("rejects when no line matches before the signal aborts", async () => {
    const lines = new OutputLines();
    const probe = waitForProbe({ log: "never" }, { host, port: 1, lines }, AbortSignal.timeout(200));
    lines.push("stdout", "something else");
    await expect(probe).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("names a broken pattern as an invalid workload", () => {
    try {
      compilePattern("(unclosed");
      expect.unreachable();
    } catch (error) {
      expect(isFlotillaError(error) && error.code).toBe("WORKLOAD_INVALID");
    }
  });
});

describe("no probe", () => {
  it("is ready at once with the default endpoint", async () => {
    await expect(
      waitForProbe(undefined, { host, port: 5000, lines: new OutputLines() }, AbortSignal.timeout(100)),
    ).resolves.toBe(`http://${host}:5000`);
  });
});

describe("stderr tail", () => {
  it("keeps the last ten stderr lines only", () => {
    const lines = new OutputLines();
    for (let i = 0; i < 15; i++) lines.push(i % 2 ? "stdout" : "stderr", `line ${i}`);
    expect(lines.stderrTail()).toEqual([
      "line 0",
      "line 2",
      "line 4",
      "line 6",
      "line 8",
      "line 10",
      "line 12",
      "line 14",
    ]);
    for (let i = 15; i < 40; i++) lines.push("stderr", `line ${i}`);
    expect(lines.stderrTail()).toHaveLength(10);
    expect(lines.stderrTail().at(-1)).toBe("line 39");
  });
});
