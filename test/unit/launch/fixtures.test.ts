import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { startProcess } from "../../../engine/launch/supervisor.js";
import { fixture, freePort, waitUntil } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

function run(command: string[]) {
  const dir = tempDir();
  const lines: Array<{ stream: string; line: string }> = [];
  const running = startProcess(
    {
      id: "fx.0",
      command,
      env: {},
      stdoutPath: join(dir, "o"),
      stderrPath: join(dir, "e"),
      onLine: (stream, line) => lines.push({ stream, line }),
    },
    { registry: new ProcessRegistry(), graceMs: 2_000 },
  );
  return { running, lines };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("fixture executables", () => {
  it("slow-ready listens only after its delay, then answers HTTP and prints its URL", async () => {
    const port = await freePort();
    const { running, lines } = run([fixture("slow-ready"), String(port), "400"]);
    try {
      await waitUntil(() => lines.some((l) => l.line.includes("starting")));
      expect(await accepts(port)).toBe(false);
      await waitUntil(() => lines.some((l) => l.line === `listening on http://127.0.0.1:${port}`));
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("ok\n");
    } finally {
      await running.stop(2_000);
    }
    // It shuts down cleanly on SIGTERM.
    expect((await running.exited).exitCode).toBe(0);
  });

  it("slow-ready can fail its probe and print on stderr; port 0 picks a port", async () => {
    const { running, lines } = run([fixture("slow-ready"), "0", "0", "--status", "503", "--stderr"]);
    try {
      await waitUntil(() => lines.some((l) => l.stream === "stderr" && l.line.startsWith("listening on")));
      const url = lines.find((l) => l.line.startsWith("listening on"))?.line.slice("listening on ".length) ?? "";
      expect((await fetch(url)).status).toBe(503);
    } finally {
      await running.stop(2_000);
    }
  });

  it("crash-on-start fails at once with a stderr message", async () => {
    const { running, lines } = run([fixture("crash-on-start")]);
    expect((await running.exited).exitCode).toBe(1);
    expect(lines.filter((l) => l.stream === "stderr").map((l) => l.line)).toContain(
      "crash-on-start: fatal: could not initialise backend",
    );
  });

  it("forever --ignore-term survives SIGTERM until the grace runs out", async () => {
    const { running, lines } = run([fixture("forever"), "--ignore-term"]);
    await waitUntil(() => lines.length > 0);
    const record = await running.stop(300);
    expect(lines.some((l) => l.line.endsWith("ignoring SIGTERM"))).toBe(true);
    expect(record.signal).toBe("SIGKILL");
  });
});
