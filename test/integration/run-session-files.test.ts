/**
 * The session directory is private to its owner (docs/security.md): every
 * directory 0700 and every file 0600 whatever the umask, and another Unix
 * user can neither list nor read it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, withUmask } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** A service, an inference task (responses, profile) and a command task that writes to stdout and stderr. */
const WORKLOAD = `version: 1
name: private
services:
  - name: echo
    backend: noop
    replicas: 2
    delay: { mean_ms: 2, sd_ms: 1 }
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: 2
  - name: talk
    command: ["sh", "-c", "echo out; echo err >&2"]
    uses: [echo]
`;

function workspace(): string {
  const dir = tempDir("flotilla-private-");
  // mkdtemp makes it 0700: open it up, so only Flotilla's own modes protect the session.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "w.yaml"), WORKLOAD);
  writeFileSync(
    join(dir, "prompts.jsonl"),
    Array.from({ length: 6 }, (_, i) => JSON.stringify({ prompt: `p${i}`, max_tokens: 2 })).join("\n"),
  );
  return dir;
}

/** Every entry under `root` (not following links), with its mode. */
function walk(root: string): Array<{ path: string; kind: "dir" | "file" | "link"; mode: number }> {
  const found: Array<{ path: string; kind: "dir" | "file" | "link"; mode: number }> = [];
  const visit = (path: string): void => {
    const stat = lstatSync(path);
    const kind = stat.isSymbolicLink() ? "link" : stat.isDirectory() ? "dir" : "file";
    found.push({ path, kind, mode: stat.mode & 0o777 });
    if (kind === "dir") for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return found;
}

const octal = (mode: number) => mode.toString(8).padStart(4, "0");

function canRunAsNobody(): boolean {
  return process.getuid?.() === 0 && spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), "true"]).status === 0;
}

describe("session files are private", () => {
  it("creates every directory 0700 and every file 0600 under umask 000", async () => {
    const dir = workspace();
    const result = await runCli(["run", "w.yaml", "--json", "--cores", "6"], { cwd: dir, wrap: withUmask("000") });
    expect(result.code, result.stderr).toBe(0);
    const parent = join(dir, "flotilla-sessions");
    const entries = walk(parent);
    const names = entries.map((e) => e.path.slice(parent.length + 1).replace(/^\d{8}-\d{6}-[0-9a-f]{4}/, "S"));
    expect(names).toEqual(
      expect.arrayContaining([
        "S/events.jsonl",
        "S/summary.json",
        "S/workload.yaml",
        "S/logs/echo.0.out",
        "S/logs/talk.err",
        "S/tasks/prompts/responses.jsonl",
        "S/profile/echo.jsonl",
        "latest",
      ]),
    );
    expect(names.filter((n) => n.endsWith(".tmp") || n.includes("reserve"))).toEqual([]);
    const wrong = entries
      .filter((e) => e.kind !== "link" && e.mode !== (e.kind === "dir" ? 0o700 : 0o600))
      .map((e) => `${octal(e.mode)} ${e.path}`);
    expect(wrong).toEqual([]);
  });

  it("makes an empty --session-dir the user created 0700, and keeps umask 000 for the processes it starts", async () => {
    const dir = workspace();
    const session = join(dir, "mine");
    mkdirSync(session, { mode: 0o777 });
    chmodSync(session, 0o777);
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1\nname: umask\ntasks:\n  - name: touch\n    command: ["touch", "${join(dir, "made-by-task")}"]\n`,
    );
    const result = await runCli(["run", "w.yaml", "--session-dir", session], { cwd: dir, wrap: withUmask("000") });
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(session).mode & 0o777).toBe(0o700);
    // Flotilla does not change the umask of the user's own processes.
    expect(statSync(join(dir, "made-by-task")).mode & 0o777).toBe(0o666);
  });

  it.skipIf(!canRunAsNobody())("keeps another user from listing or reading the session", async () => {
    const dir = workspace();
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--json", "--cores", "6", "--session-dir", session], {
      cwd: dir,
      wrap: withUmask("000"),
    });
    expect(result.code, result.stderr).toBe(0);
    const asNobody = (...command: string[]) => spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), ...command]);
    // Control: the same user can read a file the umask left open in the same workspace.
    expect(asNobody("cat", join(dir, "w.yaml")).status).toBe(0);
    for (const command of [
      ["ls", session],
      ["cat", join(session, "events.jsonl")],
      ["cat", join(session, "tasks", "prompts", "responses.jsonl")],
      ["ls", join(session, "logs")],
    ]) {
      const run = asNobody(...command);
      expect(run.status, command.join(" ")).not.toBe(0);
      expect(run.stderr.toString()).toMatch(/Permission denied/);
    }
    // Root still can (the owner here): the files are there, only closed to others.
    expect(execFileSync("cat", [join(session, "events.jsonl")]).length).toBeGreaterThan(0);
  });
});
