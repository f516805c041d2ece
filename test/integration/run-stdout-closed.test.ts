/** `flotilla run --json | head`: the reader of stdout goes away mid-run; the run must not. */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { cliCommand } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("flotilla run when stdout's reader goes away", () => {
  it("goes on to the end, notes it once on stderr, and records every event", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
tasks:
  - name: slow
    command: ["sh", "-c", "sleep 1; echo finished"]
    count: 2
`,
    );
    const [program, ...args] = cliCommand();
    const child = spawn(program!, [...args, "run", "w.yaml", "--json", "--session-dir", "s"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Read the first event, then hang up, as `head -1` would.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));

    expect(code, stderr).toBe(0);
    expect(stderr.match(/stdout is no longer written because its reader went away/g)).toHaveLength(1);
    const events = readFileSync(join(dir, "s", "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as EngineEvent);
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 0, tasks: { done: 2 } });
    expect(readFileSync(join(dir, "s", "logs", "slow.0.out"), "utf8")).toBe("finished\n");
  });
});
