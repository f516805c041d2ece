/**
 * A session started with `flotilla up`: a task finds its own session through
 * FLOTILLA_SESSION_DIR, for `flotilla endpoints` (a service the submission
 * added included) and for `flotilla submit`, naming none; and every event of
 * the session (task:submitted, skipped tasks) satisfies docs/events.schema.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EndpointsFile } from "../../engine/index.js";
import { cliCommand, REPO } from "../helpers/cli.js";
import { ofType } from "../helpers/events.js";
import { SchemaChecker } from "../helpers/json-schema.js";
import { events, expectCli, up } from "../helpers/pilot.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const schema = JSON.parse(readFileSync(join(REPO, "docs/events.schema.json"), "utf8")) as Record<string, unknown>;
const cli = (...args: string[]) => JSON.stringify([...cliCommand(), ...args]);

describe("FLOTILLA_SESSION_DIR in a pilot session", () => {
  it("lets a task list the session's endpoints and submit to it without naming it", async () => {
    const cwd = tempDir("flotilla-pilot-endpoints-");
    writeFileSync(
      join(cwd, "w.yaml"),
      "version: 1\nname: pilot\nallocation: { cores: 4 }\nservices:\n  - name: echo\n    backend: noop\n",
    );
    writeFileSync(
      join(cwd, "more.yaml"),
      `version: 1
services:
  - name: late
    backend: noop
tasks:
  - name: look
    uses: [late]
    command: ${cli("endpoints", "--json")}
  - name: inner
    command: ${cli("submit", "--name", "from-task", "--", "true")}
  - name: bad
    command: ["false"]
  - name: never
    after: [bad]
    command: ["true"]
`,
    );
    const session = await up("w.yaml", [], { cwd });
    await expectCli(["submit", "--wait", "more.yaml"], 1, { cwd });
    await waitUntil(() =>
      events(session.dir).some((e) => e.type === "task:state" && e.id === "from-task" && e.state === "done"),
    );
    const seen = JSON.parse(readFileSync(join(session.dir, "logs", "look.out"), "utf8")) as EndpointsFile;
    expect(Object.keys(seen.services).sort()).toEqual(["echo", "late"]);
    expect(seen.services.late?.instances).toHaveLength(1);
    expect(readFileSync(join(session.dir, "logs", "inner.out"), "utf8").trim()).toBe("from-task");
    // A task failed on purpose: down exits with the session's code.
    await expectCli(["down", session.dir], 1, { cwd });
    await waitUntil(() => events(session.dir).at(-1)?.type === "session:end");

    const all = events(session.dir);
    expect(ofType(all, "task:submitted").map((e) => e.tasks)).toEqual([
      ["look", "inner", "bad", "never"],
      ["from-task"],
    ]);
    expect(ofType(all, "task:state").some((e) => e.id === "never" && e.state === "skipped")).toBe(true);
    const checker = new SchemaChecker(schema, true);
    expect(all.flatMap((e) => checker.errors(e).map((why) => `${JSON.stringify(e)}: ${why}`))).toEqual([]);
  });
});
