import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recordEngineDeath } from "../../../engine/session/death-record.js";
import {
  engineLiveness,
  engineRecordFor,
  HEARTBEAT_FILE,
  HEARTBEAT_STALE_MS,
  processStartTime,
  startHeartbeat,
  writeEngineRecord,
} from "../../../engine/session/engine-record.js";
import { tempDir } from "../../helpers/tmp.js";

const start = { v: 1, seq: 1, ts: 1_000, type: "session:start", session_id: "x", workload: "w", pid: 42 };
const task = { v: 1, seq: 2, ts: 1_500, type: "task:state", task: "t", id: "t", state: "running" };

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("recordEngineDeath", () => {
  it("appends session:end with the next seq, dropping a line cut short by the kill", () => {
    const dir = tempDir();
    const events = join(dir, "events.jsonl");
    writeFileSync(events, `${JSON.stringify(start)}\n${JSON.stringify(task)}\n{"v":1,"seq":3,"ts":`);
    const end = recordEngineDeath(dir, 42, 4_000);
    expect(end).toMatchObject({ seq: 3, type: "session:end", exit_code: 137, duration_ms: 3_000 });
    const written = lines(events);
    expect(written.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(written[2]).toMatchObject({ engine_died: { at: 4_000, pid: 42, host: hostname() } });
    expect(written[2]?.tasks).toMatchObject({ running: 1 });
    expect(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"))).toMatchObject({ exit_code: 137 });
  });

  it("leaves a record that already ends alone", () => {
    const dir = tempDir();
    const events = join(dir, "events.jsonl");
    writeFileSync(events, `${JSON.stringify(start)}\n`);
    appendFileSync(events, `${JSON.stringify({ v: 1, seq: 2, ts: 2_000, type: "session:end", exit_code: 0 })}\n`);
    expect(recordEngineDeath(dir, 42, 4_000)).toBeUndefined();
    expect(lines(events)).toHaveLength(2);
  });
});

describe("engineLiveness", () => {
  it("is unknown without engine.json and alive for a live engine", () => {
    const dir = tempDir();
    expect(engineLiveness(dir).state).toBe("unknown");
    writeEngineRecord(dir, engineRecordFor(process.pid, undefined, Date.now()));
    const stop = startHeartbeat(dir);
    stop();
    expect(engineLiveness(dir).state).toBe("alive");
  });

  it("is dead once the pid is gone, and when the pid now names another process", async () => {
    const dir = tempDir();
    const child = spawn("sleep", ["30"]);
    const pid = child.pid as number;
    writeEngineRecord(dir, { ...engineRecordFor(pid, undefined, Date.now()), start_time: "1" });
    // Same pid, different start time: a reused pid is not the engine.
    expect(engineLiveness(dir).state).toBe("dead");
    writeEngineRecord(dir, { ...engineRecordFor(pid, undefined, Date.now()), start_time: processStartTime(pid) });
    expect(engineLiveness(dir).state).toBe("alive");
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(engineLiveness(dir)).toMatchObject({ state: "dead", pid });
  });

  it("judges an engine on another host by its heartbeat", () => {
    const dir = tempDir();
    writeEngineRecord(dir, { ...engineRecordFor(process.pid, undefined, Date.now()), host: "elsewhere" });
    const stop = startHeartbeat(dir);
    stop();
    expect(engineLiveness(dir).state).toBe("alive");
    const old = new Date(Date.now() - HEARTBEAT_STALE_MS - 5_000);
    utimesSync(join(dir, HEARTBEAT_FILE), old, old);
    expect(engineLiveness(dir)).toMatchObject({ state: "dead", host: "elsewhere", at: Math.round(old.getTime()) });
  });
});
