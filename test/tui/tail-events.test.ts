import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { finishedSession } from "../../bench/harness/tui-sessions.js";
import type { EngineEvent } from "../../engine/events.js";
import { replay } from "../../engine/state.js";
import { tailEvents } from "../../tui/sources/tail-events.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-tail-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (event: EngineEvent) => `${JSON.stringify(event)}\n`;

describe("tailEvents", () => {
  it("follows a file being written, across partial lines, and stops at session:end", async () => {
    const file = join(dir, "events.jsonl");
    const events = finishedSession().events;
    const seen: EngineEvent[] = [];
    const controller = new AbortController();
    const following = (async () => {
      for await (const event of tailEvents(file, { intervalMs: 10, signal: controller.signal })) seen.push(event);
    })();
    // The file does not exist yet: the tailer waits for it.
    await sleep(30);
    await writeFile(file, line(events[0]!));
    for (const event of events.slice(1, -1)) {
      const text = line(event);
      const half = Math.floor(text.length / 2);
      // Each event arrives in two writes, as a writer's buffered flushes might land.
      await appendFile(file, text.slice(0, half));
      await sleep(2);
      await appendFile(file, text.slice(half));
    }
    await sleep(50);
    expect(seen.length).toBe(events.length - 1);
    await appendFile(file, line(events.at(-1)!));
    const timeout = setTimeout(() => controller.abort(), 5_000);
    await following;
    clearTimeout(timeout);
    expect(controller.signal.aborted).toBe(false);
    expect(seen.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    expect(replay(seen)).toEqual(replay(events));
  });

  it("stops when aborted while nothing is written", async () => {
    const controller = new AbortController();
    const done = (async () => {
      for await (const _ of tailEvents(join(dir, "never.jsonl"), { intervalMs: 10, signal: controller.signal })) {
        // nothing arrives
      }
    })();
    await sleep(30);
    controller.abort();
    await expect(done).resolves.toBeUndefined();
  });

  it("names the file and line of a corrupt record", async () => {
    const file = join(dir, "events.jsonl");
    await writeFile(file, `${line(finishedSession().events[0]!)}{"oops"\n`);
    const run = async () => {
      for await (const _ of tailEvents(file, { intervalMs: 10 })) {
        // drain
      }
    };
    await expect(run()).rejects.toThrow(/events\.jsonl:2: not a JSON event line/);
  });
});
