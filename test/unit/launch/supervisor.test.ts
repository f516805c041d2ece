import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { type ProcessSpec, startProcess } from "../../../engine/launch/supervisor.js";
import { fixture, isAlive } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

function spec(dir: string, command: string[], extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    id: "p.0",
    command,
    env: {},
    stdoutPath: join(dir, "logs", "p.0.out"),
    stderrPath: join(dir, "logs", "p.0.err"),
    ...extra,
  };
}

describe("startProcess exit records", () => {
  it("reports a clean exit", async () => {
    const dir = tempDir();
    const running = startProcess(spec(dir, [fixture("exit-after"), "10", "0"]), { registry: new ProcessRegistry() });
    expect(running.pid).toBeGreaterThan(0);
    const record = await running.exited;
    expect(record).toMatchObject({ exitCode: 0, signal: null, timedOut: false, canceled: false, failed: false });
    expect(record.cause).toBeUndefined();
    expect(record.durationMs).toBeGreaterThanOrEqual(10);
    expect(readFileSync(join(dir, "logs", "p.0.out"), "utf8")).toContain("exiting with code 0");
  });

  it("reports a non-zero exit and keeps stderr", async () => {
    const dir = tempDir();
    const record = await startProcess(spec(dir, [fixture("fail"), "7"]), { registry: new ProcessRegistry() }).exited;
    expect(record).toMatchObject({ exitCode: 7, signal: null, failed: true, canceled: false, timedOut: false });
    expect(readFileSync(join(dir, "logs", "p.0.err"), "utf8")).toBe("fail: exiting with code 7\n");
  });

  it("reports death by a signal it did not get from us", async () => {
    const dir = tempDir();
    const record = await startProcess(spec(dir, ["sh", "-c", "kill -USR1 $$"]), { registry: new ProcessRegistry() })
      .exited;
    expect(record).toMatchObject({ exitCode: null, signal: "SIGUSR1", failed: true, canceled: false });
  });

  it("reports a spawn error without rejecting, and writes it to the stderr log", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const running = startProcess(
      spec(dir, ["/nonexistent/flotilla-no-such-binary"], { onLine: (_stream, line) => lines.push(line) }),
      { registry: new ProcessRegistry() },
    );
    const record = await running.exited;
    expect(record).toMatchObject({ exitCode: null, signal: null, failed: true, canceled: false });
    expect((record.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect(lines.join("\n")).toContain("could not start");
    expect(readFileSync(join(dir, "logs", "p.0.err"), "utf8")).toContain("ENOENT");
    await expect(running.stop()).resolves.toBe(record);
  });

  it("reports an empty command as a spawn error", async () => {
    const dir = tempDir();
    const record = await startProcess(spec(dir, []), { registry: new ProcessRegistry() }).exited;
    expect(record.failed).toBe(true);
    expect(String(record.cause)).toContain("empty command");
  });

  it("kills the group on timeout and says so", async () => {
    const dir = tempDir();
    const running = startProcess(spec(dir, [fixture("forever")], { timeoutMs: 300 }), {
      registry: new ProcessRegistry(),
      graceMs: 2_000,
    });
    const record = await running.exited;
    expect(record).toMatchObject({ timedOut: true, canceled: false, failed: true, signal: "SIGTERM" });
    expect(record.durationMs).toBeGreaterThanOrEqual(290);
    expect(isAlive(running.pid as number)).toBe(false);
  });

  it("marks a process stopped by us as canceled; stop is idempotent", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const running = startProcess(spec(dir, [fixture("forever")], { onLine: (_s, line) => lines.push(line) }), {
      registry: new ProcessRegistry(),
    });
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = running.stop(1_000);
    const second = running.stop(1_000);
    expect(second).toBe(first);
    const record = await first;
    expect(record).toMatchObject({ canceled: true, failed: true, signal: "SIGTERM", timedOut: false });
    expect(await running.exited).toBe(record);
  });

  it("does not mark a process that already exited as canceled", async () => {
    const dir = tempDir();
    const running = startProcess(spec(dir, [fixture("exit-after"), "0"]), { registry: new ProcessRegistry() });
    await running.exited;
    const record = await running.stop();
    expect(record).toMatchObject({ canceled: false, failed: false, exitCode: 0 });
  });

  it("passes the inherited environment plus the spec's, and the cwd", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const record = await startProcess(
      spec(dir, ["sh", "-c", 'echo "$FLOTILLA_TEST_VALUE|$PATH|$(pwd)"'], {
        env: { FLOTILLA_TEST_VALUE: "hello world" },
        cwd: dir,
        onLine: (_s, line) => lines.push(line),
      }),
      { registry: new ProcessRegistry() },
    ).exited;
    expect(record.exitCode).toBe(0);
    const [value, path, cwd] = (lines[0] ?? "").split("|");
    expect(value).toBe("hello world");
    expect(path?.length).toBeGreaterThan(0);
    expect(cwd).toBe(dir);
  });

  it("delivers every line of a large output and writes it all to the log", async () => {
    const dir = tempDir();
    let count = 0;
    let last = "";
    const script = "for (let i = 0; i < 200000; i++) process.stdout.write('line ' + i + '\\n')";
    const record = await startProcess(
      spec(dir, [process.execPath, "-e", script], {
        onLine: (_s, line) => {
          count += 1;
          last = line;
        },
      }),
      { registry: new ProcessRegistry() },
    ).exited;
    expect(record.exitCode).toBe(0);
    expect(count).toBe(200_000);
    expect(last).toBe("line 199999");
    const text = readFileSync(join(dir, "logs", "p.0.out"), "utf8");
    expect(text.length).toBe(Array.from({ length: 200_000 }, (_, i) => `line ${i}\n`).join("").length);
  });
});
