import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { EventBus } from "../../../engine/bus.js";
import { EventsFileSink, flushOpenSinksSync } from "../../../engine/session/events-sink.js";
import { readEventsFile } from "../../../engine/session/read-events.js";
import { writeSummary } from "../../../engine/session/summary.js";
import { onWriteFailure } from "../../../engine/session/write-errors.js";
import { tempDir } from "../../helpers/tmp.js";
import { mountTmpfs, tmpfsUnavailable } from "../../helpers/tmpfs.js";

const counts = { pending: 0, scheduled: 0, running: 0, done: 0, failed: 0, canceled: 0, skipped: 0 };
const serviceCounts = { pending: 0, launching: 0, initializing: 0, ready: 0, failed: 0, stopped: 0 };

describe("EventsFileSink", () => {
  it("writes one JSON line per event, in order, and flushes on close", async () => {
    const dir = tempDir();
    const path = join(dir, "events.jsonl");
    const bus = new EventBus({ now: () => 1_000 });
    const sink = new EventsFileSink(path, { flushIntervalMs: 60_000 });
    bus.subscribe(sink.write);
    for (let i = 0; i < 100; i++) bus.emit({ type: "log", level: "info", message: `m${i}` });
    expect(readFileSync(path, "utf8")).toBe(""); // still buffered
    await sink.close();
    await sink.close();
    const events = readEventsFile(path);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(events[0]).toEqual({ v: 1, seq: 1, ts: 1_000, type: "log", level: "info", message: "m0" });
  });

  it("writes session:end through at once and flushes big batches early", () => {
    const dir = tempDir();
    const path = join(dir, "events.jsonl");
    const bus = new EventBus();
    const sink = new EventsFileSink(path, { flushIntervalMs: 60_000, maxBufferBytes: 2_000 });
    bus.subscribe(sink.write);
    for (let i = 0; i < 50; i++) bus.emit({ type: "log", level: "info", message: "x".repeat(100) });
    const partial = readEventsFile(path).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(50);
    bus.emit({
      type: "session:end",
      exit_code: 0,
      reason: "ok",
      duration_ms: 5,
      tasks: counts,
      services: serviceCounts,
    });
    expect(readEventsFile(path).at(-1)?.type).toBe("session:end");
    sink.closeSync();
  });

  it("flushes within the interval when events stop coming", async () => {
    const dir = tempDir();
    const path = join(dir, "events.jsonl");
    const sink = new EventsFileSink(path, { flushIntervalMs: 20 });
    sink.write({ v: 1, seq: 1, ts: 1, type: "log", level: "info", message: "hi" });
    await expect.poll(() => readFileSync(path, "utf8").length, { timeout: 5_000 }).toBeGreaterThan(0);
    flushOpenSinksSync();
  });

  it("keeps the last events when the process exits right after emitting them", () => {
    const dir = tempDir();
    const path = join(dir, "events.jsonl");
    const script = join(dir, "exit.ts");
    const sinkModule = new URL("../../../engine/session/events-sink.js", import.meta.url).pathname.replace(
      /\.js$/,
      ".ts",
    );
    writeFileSync(
      script,
      [
        `import { EventsFileSink, flushOpenSinksSync } from ${JSON.stringify(sinkModule)};`,
        `process.on("exit", flushOpenSinksSync);`,
        `const sink = new EventsFileSink(${JSON.stringify(path)}, { flushIntervalMs: 60_000 });`,
        `for (let seq = 1; seq <= 3; seq++) sink.write({ v: 1, seq, ts: 1, type: "log", level: "info", message: "last" });`,
        `process.exit(7);`,
      ].join("\n"),
    );
    const tsx = new URL("../../../node_modules/.bin/tsx", import.meta.url).pathname;
    expect(() => execFileSync(tsx, [script], { stdio: "pipe" })).toThrow();
    expect(readEventsFile(path).map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

describe.skipIf(tmpfsUnavailable !== undefined)(
  `EventsFileSink on a full disk (${tmpfsUnavailable ?? "tmpfs"})`,
  () => {
    it("reports a failed write once, keeps the file whole and still ends it with session:end", () => {
      const disk = mountTmpfs(join(tempDir(), "disk"), "64k");
      const path = join(disk, "events.jsonl");
      const failures: string[] = [];
      const stop = onWriteFailure((failure) => failures.push(failure.message));
      onTestFinished(stop);
      const bus = new EventBus();
      const sink = new EventsFileSink(path, { flushIntervalMs: 60_000, maxBufferBytes: 16 * 1024 });
      bus.subscribe(sink.write);
      bus.emit({ type: "log", level: "info", message: "before" });
      sink.flushSync();
      // Fill the rest: the next batch writes part of its bytes into events.jsonl's last page, then fails.
      const filler = join(disk, "filler");
      expect(() => execFileSync("sh", ["-c", `head -c 1000000 /dev/zero > ${filler}`], { stdio: "pipe" })).toThrow();
      for (let i = 0; i < 100; i++) bus.emit({ type: "log", level: "info", message: "y".repeat(300) });
      expect(sink.failed).toBe(true);
      expect(failures).toEqual([`cannot write ${path}: no space left on device (ENOSPC)`]);
      // Cut back to whole lines: nothing after "before".
      expect(readEventsFile(path).map((e) => e.seq)).toEqual([1]);
      // Room again (the reserve, in a run): held events and session:end go in, in order, once.
      rmSync(filler);
      bus.emit({
        type: "session:end",
        exit_code: 4,
        reason: "disk",
        duration_ms: 1,
        tasks: counts,
        services: serviceCounts,
      });
      sink.closeSync();
      const events = readEventsFile(path);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 102 }, (_, i) => i + 1));
      expect(events.at(-1)?.type).toBe("session:end");
      expect(failures).toHaveLength(1);
    });
  },
);

describe("readEventsFile", () => {
  it("skips a cut-off last line but rejects a broken line in the middle", () => {
    const dir = tempDir();
    const cut = join(dir, "cut.jsonl");
    writeFileSync(cut, '{"v":1,"seq":1,"ts":1,"type":"log","level":"info","message":"a"}\n{"v":1,"seq":2,');
    expect(readEventsFile(cut)).toHaveLength(1);
    const broken = join(dir, "broken.jsonl");
    writeFileSync(broken, 'nope\n{"v":1,"seq":1,"ts":1,"type":"log","level":"info","message":"a"}\n');
    expect(() => readEventsFile(broken)).toThrow(/broken\.jsonl:1/);
  });
});

describe("writeSummary", () => {
  it("summarises counts, instances and failed tasks from the reduced state", () => {
    const dir = tempDir();
    const bus = new EventBus({ now: () => 50 });
    bus.emit({
      type: "session:start",
      session_id: "20260102-030405-beef",
      workload: "quick",
      workload_file: "quick.yaml",
      platform: "local",
      session_dir: dir,
      version: "0.1.0",
      pid: 1,
    });
    bus.emit({
      type: "allocation:state",
      state: "active",
      platform: "local",
      nodes: [{ name: "h", cores: 2, gpus: 1 }],
    });
    const placed = { node: "h", cores: [0], gpus: [0] };
    bus.emit({ type: "service:state", service: "web", instance: 0, state: "launching", ...placed });
    bus.emit({
      type: "service:state",
      service: "web",
      instance: 0,
      state: "ready",
      ...placed,
      endpoint: "http://127.0.0.1:9000",
      launch_ms: 5,
      init_ms: 100,
      publish_ms: 1,
    });
    bus.emit({ type: "task:state", task: "hello", id: "hello.0", state: "done", exit_code: 0 });
    bus.emit({ type: "task:state", task: "hello", id: "hello.1", state: "failed", exit_code: 3, signal: null });
    bus.emit({
      type: "session:end",
      exit_code: 1,
      reason: "a task failed",
      duration_ms: 900,
      tasks: { ...counts, done: 1, failed: 1 },
      services: { ...serviceCounts, ready: 1 },
    });
    const summary = writeSummary(dir, bus.getSnapshot());
    const written = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(written).toEqual(summary);
    expect(summary).toMatchObject({
      v: 1,
      session_id: "20260102-030405-beef",
      workload: "quick",
      exit_code: 1,
      reason: "a task failed",
      duration_ms: 900,
      tasks: { done: 1, failed: 1 },
      services: { ready: 1 },
      allocation: { state: "active", nodes: [{ name: "h", cores: 2, gpus: 1 }] },
      service_instances: [
        { service: "web", instance: 0, state: "ready", endpoint: "http://127.0.0.1:9000", init_ms: 100 },
      ],
      failed_tasks: [{ id: "hello.1", exit_code: 3, signal: null }],
    });
  });
});
