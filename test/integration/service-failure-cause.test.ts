/** A backend that cannot start is reported by its own cause, not by its service host's exit code. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";

describe("a backend command that does not exist", () => {
  it("fails the run naming the missing command and its exit code 127", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
services:
  - name: llm
    backend: openai
    command: ["flotilla-no-such-backend", "--port", "{port}"]
    startup_timeout: 30s
tasks:
  - name: t
    command: ["true"]
    uses: [llm]
`,
    );
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir });
    expect(result.code).toBe(3);
    const events = parseNdjson(result.stdout);
    const failed = ofType(events, "service:state").find((e) => e.state === "failed");
    const cause =
      "backend flotilla-no-such-backend exited with code 127 before it was ready: flotilla-no-such-backend: not found";
    expect(failed?.error).toBe(`service instance llm.0 on node ${failed?.node} failed: ${cause}`);
    expect(ofType(events, "session:end")[0]?.reason).toContain(cause);
  });
});
