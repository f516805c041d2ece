/**
 * Once a run's session has ended, nothing may keep the process alive: the
 * event loop must empty by itself. FLOTILLA_REPORT_HANDLES=1 makes the CLI
 * say on stderr what was still open when its bounded exit had to end it, so
 * these runs fail on any handle left behind (a timer, a socket, a pipe).
 */
import { execFile } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const REPORT = { FLOTILLA_REPORT_HANDLES: "1" };

const WORKLOADS: Record<string, { yaml: string; code: number }> = {
  "a failing backend": {
    yaml: `version: 1
services:
  - name: llm
    backend: openai
    command: ["flotilla-no-such-backend", "{port}"]
tasks:
  - name: t
    command: ["true"]
    uses: [llm]
`,
    code: 3,
  },
  "tasks that use the HTTP front, streamed and not": {
    yaml: `version: 1
allocation: { platform: local, cores: 4 }
services:
  - name: llm
    backend: noop
    replicas: 2
tasks:
  - name: client
    uses: [llm]
    command:
      - sh
      - -c
      - >-
        curl -sf -H "Authorization: Bearer $OPENAI_API_KEY" $OPENAI_BASE_URL/models &&
        curl -sfN -H "Authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json'
        -d '{"model":"m","prompt":"hi","stream":true}' $OPENAI_BASE_URL/completions
`,
    code: 0,
  },
  "a task that times out beside a plain service": {
    yaml: `version: 1
services:
  - name: web
    command: ["sh", "-c", "echo listening on {port}; exec sleep 300"]
    ready: { log: "listening on" }
tasks:
  - name: slow
    command: ["sleep", "30"]
    timeout: 300ms
    uses: [web]
`,
    code: 1,
  },
};

describe("run leaves nothing open once the session has ended", () => {
  it("the quickstart, with --json and as text", async () => {
    const dir = tempDir("flotilla-handles-");
    for (const file of ["quickstart.yaml", "prompts.jsonl"])
      copyFileSync(join(REPO, "examples", file), join(dir, file));
    for (const [i, args] of [["--json"], []].entries()) {
      const result = await runCli(["run", "quickstart.yaml", ...args, "--session-dir", `s${i}`], {
        cwd: dir,
        env: REPORT,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain("still open");
    }
  });

  for (const [title, { yaml, code }] of Object.entries(WORKLOADS)) {
    it(title, async () => {
      const dir = tempDir("flotilla-handles-");
      writeFileSync(join(dir, "w.yaml"), yaml);
      const result = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir, env: REPORT });
      expect(result.code, result.stderr).toBe(code);
      expect(result.stderr).not.toContain("still open");
    });
  }
});

describe("the bounded exit", () => {
  it("ends a process whose loop is held, with its code, saying what held it", async () => {
    const exitModule = pathToFileURL(join(REPO, "cli", "exit.ts")).href;
    const script = `
      import { exitPromptlyWhenDone, finish } from ${JSON.stringify(exitModule)};
      setInterval(() => {}, 60_000); // a leak: without the bounded exit this process would never end
      exitPromptlyWhenDone();
      await finish(7);
    `;
    const loader = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const child = promisify(execFile)(process.execPath, ["--import", loader, "--input-type=module", "-e", script], {
      env: { ...process.env, ...REPORT },
      timeout: 30_000,
    });
    const failed = await child.then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(7);
    expect(failed?.stderr).toMatch(/still open 2000 ms after the end: .*Timeout/);
  });
});
