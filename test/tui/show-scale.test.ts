/**
 * `flotilla show` of a finished session in which a service scaled, as a
 * real process: the range comes from the session's copy of the workload,
 * read before the one frame is printed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { finishedSession } from "../../bench/harness/tui-sessions.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("flotilla show of an autoscaled service", () => {
  it("prints its range, target and last decision", async () => {
    const dir = tempDir("flotilla-show-scale-");
    writeFileSync(
      join(dir, "workload.yaml"),
      "name: demo\nservices:\n  - name: llm\n    backend: noop\n    autoscale: { min: 2, max: 6 }\ntasks: []\n",
    );
    const log = finishedSession();
    const events = log.events;
    const end = events.pop()!;
    const start = events[0];
    if (start?.type === "session:start") start.session_dir = dir;
    log.emit({
      type: "service:scale",
      service: "llm",
      from: 2,
      to: 3,
      reason: "load_high",
      instances: [2],
      load: { outstanding: 14, instances: 2, per_instance: 7, target: 4 },
      held_back: "no free cores/GPUs",
    });
    events.push({ ...end, seq: (events.at(-1)?.seq ?? 0) + 1 });
    writeFileSync(join(dir, "events.jsonl"), `${events.map((e) => JSON.stringify(e)).join("\n")}\n`);
    const show = await runCli(["show", dir, "--width", "100"], { cwd: dir, env: { NO_COLOR: "1" } });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/ llm\s+\d\/3\s+\(2\.\.6\) ↑ load_high\s/);
    expect(show.stdout).toMatch(/ embed\s+\d\/1\s{20,}/);
  });
});
