/**
 * One rule for `endpoints:` whatever the backend: a service that lists them
 * launches only the replicas it is given (none when `replicas:` is not
 * written), and `validate` counts its remote instances and checks placement
 * against the allocation the file states.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { spawnCli } from "../helpers/host-process.js";
import { tempDir } from "../helpers/tmp.js";

function workspace(files: Record<string, string>): string {
  const dir = tempDir("flotilla-endpoints-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("services with endpoints", () => {
  it("backend: noop with only endpoints launches nothing: every request goes to the remote host", async () => {
    // Over ipc: a socket in a private directory needs no CURVE keys.
    const socket = join(tempDir("flotilla-remote-"), "host.sock");
    const serve = spawnCli(["serve", "--backend", "noop", "--bind", `ipc://${socket}`, "--service", "echo"]);
    try {
      await serve.line(/listening on ipc:\/\//, 60_000);
      const dir = workspace({
        "w.yaml": `version: 1
services:
  - name: echo
    backend: noop
    endpoints: ["ipc://${socket}"]
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: 2
`,
        "prompts.jsonl": Array.from({ length: 6 }, (_, i) => JSON.stringify({ prompt: `p${i}` })).join("\n"),
      });
      const validate = await runCli(["validate", "w.yaml"], { cwd: dir });
      expect(validate.code, validate.stderr).toBe(0);
      expect(validate.stdout).toContain("1 service (1 instance, 1 remote)");

      const result = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      const states = ofType(parseNdjson(result.stdout), "service:state");
      expect(new Set(states.map((e) => `${e.service}.${e.instance}`))).toEqual(new Set(["echo.0"]));
      expect(states.find((e) => e.state === "ready")).toMatchObject({ remote: true });
      const lines = readFileSync(join(dir, "s", "tasks", "prompts", "responses.jsonl"), "utf8")
        .trim()
        .split("\n");
      expect(lines.map((line) => (JSON.parse(line) as { instance: number }).instance)).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      await serve.kill();
    }
  });

  it("validate refuses services that take every GPU a task needs, and says what it could not check", async () => {
    const dir = workspace({
      "full.yaml": `version: 1
allocation: { platform: local, cores: 4, gpus: 2 }
services:
  - name: llm
    backend: noop
    replicas: 2
    gpus: 1
tasks:
  - name: train
    command: ["true"]
    gpus: 1
`,
      "open.yaml": `version: 1
services:
  - name: llm
    backend: noop
    gpus: 1
`,
    });
    const full = await runCli(["validate", "full.yaml"], { cwd: dir });
    expect(full.code).toBe(2);
    expect(full.stderr).toContain("full.yaml:9:5: tasks[0]: does not fit beside the services");
    const json = await runCli(["validate", "full.yaml", "--json"], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: "PLACEMENT_IMPOSSIBLE" });
    // run refuses it the same way, before starting anything.
    const run = await runCli(["run", "full.yaml", "--json", "--session-dir", "s"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("full.yaml:9:5: tasks[0]: does not fit beside the services");

    const open = await runCli(["validate", "open.yaml", "--json"], { cwd: dir });
    expect(open.code, open.stderr).toBe(0);
    expect(JSON.parse(open.stdout)).toMatchObject({ ok: true, placement: "not checked" });
  });
});
