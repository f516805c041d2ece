/**
 * `flotilla watch --json` and `flotilla show` as real processes on a
 * session directory that the test writes by hand, line by line, the way the
 * session record does while a run is going.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { finishedSession } from "../../bench/harness/tui-sessions.js";
import type { EngineEvent } from "../../engine/events.js";
import { runCli, startCli } from "../helpers/cli.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-watch-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const line = (event: EngineEvent) => `${JSON.stringify(event)}\n`;

describe("flotilla watch --json", () => {
  it("streams the events of a session as they are appended and exits with its exit code at session:end", async () => {
    const session = join(dir, "session");
    mkdirSync(session);
    const events = finishedSession().events;
    const cli = startCli(["watch", session, "--json", "--interval", "20"], { cwd: dir });
    // events.jsonl appears a moment after the directory, as when a run is starting.
    await sleep(200);
    writeFileSync(join(session, "events.jsonl"), "");
    const half = Math.floor(events.length / 2);
    for (const event of events.slice(0, half)) appendFileSync(join(session, "events.jsonl"), line(event));
    await cli.waitForOutput(new RegExp(`"seq":${half}[,}]`), 20_000);
    // A record torn mid-line is held back until its newline arrives.
    const rest = events.slice(half).map(line).join("");
    appendFileSync(join(session, "events.jsonl"), rest.slice(0, 25));
    await sleep(150);
    expect(cli.stdout.trim().split("\n")).toHaveLength(half);
    appendFileSync(join(session, "events.jsonl"), rest.slice(25));
    const result = await cli.done;
    const seen = result.stdout
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as EngineEvent);
    expect(seen.map((event) => event.seq)).toEqual(events.map((event) => event.seq));
    expect(result.code).toBe(1);
  });

  it("prints the final frame when its output is not a terminal and --json is not given", async () => {
    const session = join(dir, "session");
    mkdirSync(session);
    writeFileSync(join(session, "events.jsonl"), finishedSession().events.map(line).join(""));
    const result = await runCli(["watch", session], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("ended: exit 1, a task failed");
  });

  it("says so when the directory does not exist", async () => {
    const result = await runCli(["watch", join(dir, "nope"), "--json"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not a session directory");
  });
});

describe("flotilla show", () => {
  it("prints the final frame of a finished session, and its summary with --json", async () => {
    const session = join(dir, "session");
    mkdirSync(session);
    writeFileSync(join(session, "events.jsonl"), finishedSession().events.map(line).join(""));
    const shown = await runCli(["show", session, "--width", "80"], { cwd: dir, env: { NO_COLOR: "1" } });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("ended: exit 1, a task failed");
    expect(shown.stdout).toMatch(/llm\s+0\/2\s+○○/);
    expect(shown.stdout).toMatch(/llm\s+█▓░+ 19\.4ms/);
    expect(shown.stdout).not.toContain("\u001B[");
    // No summary.json (the run died before writing one): folded from the events instead.
    const json = await runCli(["show", session, "--json"], { cwd: dir });
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as { exit_code: number; tasks: Record<string, number> };
    expect(summary.exit_code).toBe(1);
    expect(summary.tasks.done).toBe(5);
    writeFileSync(join(session, "summary.json"), `${JSON.stringify({ v: 1, written: "by the run" })}\n`);
    const written = await runCli(["show", session, "--json"], { cwd: dir });
    expect(JSON.parse(written.stdout)).toEqual({ v: 1, written: "by the run" });
  });
});
