import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cliCommand } from "../helpers/cli.js";
import { ofType } from "../helpers/events.js";
import { events, expectCli, up } from "../helpers/pilot.js";
import { tempDir } from "../helpers/tmp.js";

const LOOPS = 8;
const PER_LOOP = 125;

describe("concurrent submitters", () => {
  it(`accepts ${LOOPS * PER_LOOP} one-line tasks from ${LOOPS} shell loops exactly once, and runs them all`, {
    timeout: 900_000,
  }, async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 4 }\n");
    const session = await up("w.yaml", [], { cwd });
    // Each loop is a plain shell loop calling the CLI, as a user's script would.
    const loop = [
      'i="$1"; shift',
      `for j in $(seq 1 ${PER_LOOP}); do`,
      '  "$@" submit --name "l$i-$j" -- true || echo "FAILED l$i-$j" >&2',
      "done",
    ].join("\n");
    writeFileSync(join(cwd, "loop.sh"), loop);
    const started = Date.now();
    const outputs = await Promise.all(
      Array.from({ length: LOOPS }, (_, i) =>
        promisify(execFile)("bash", ["loop.sh", String(i), ...cliCommand()], { cwd, maxBuffer: 1 << 24 }),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    // zeromq.js may say this at exit on a loaded machine (every command loads the addon); nothing else is expected.
    const stderr = outputs
      .map((o) => o.stderr)
      .join("")
      .split("\n")
      .filter((line) => line !== "" && !line.includes("Waiting for queued ZeroMQ messages"));
    expect(stderr).toEqual([]);
    const ids = outputs.flatMap((o) => o.stdout.trim().split("\n"));
    const expected = Array.from({ length: LOOPS }, (_, i) =>
      Array.from({ length: PER_LOOP }, (_, j) => `l${i}-${j + 1}`),
    ).flat();
    expect([...ids].sort()).toEqual([...expected].sort());

    const waited = await expectCli(["wait", session.dir], 0, { cwd });
    expect(waited.stdout.trim().split("\n")).toHaveLength(LOOPS * PER_LOOP);
    const status = JSON.parse((await expectCli(["status", "--json"], 0, { cwd })).stdout);
    expect(status.counts).toMatchObject({ done: LOOPS * PER_LOOP, failed: 0, pending: 0, running: 0 });
    expect(status.session.submissions).toBe(LOOPS * PER_LOOP);
    await expectCli(["down"], 0, { cwd });
    const record = events(session.dir);
    const submitted = ofType(record, "task:submitted").flatMap((e) => e.tasks);
    expect(new Set(submitted).size).toBe(LOOPS * PER_LOOP);
    expect(submitted).toHaveLength(LOOPS * PER_LOOP);
    expect(ofType(record, "task:state").filter((e) => e.state === "done")).toHaveLength(LOOPS * PER_LOOP);
    process.stderr.write(`${LOOPS * PER_LOOP} submissions from ${LOOPS} loops in ${seconds.toFixed(1)} s\n`);
  });
});
