/**
 * A session directory on a full or read-only file system (docs/reliability.md):
 * a clear message naming the file and the cause, an orderly teardown, exit
 * code 4, a record that still ends with session:end, nothing half-written.
 * Each test mounts its own tiny tmpfs, which needs root; elsewhere they skip.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { readEventsFile } from "../../engine/session/read-events.js";
import { runCli } from "../helpers/cli.js";
import { knownPids, ofType, survivors } from "../helpers/events.js";
import { fixture, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { mountTmpfs, tmpfsUnavailable } from "../helpers/tmpfs.js";

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const EXIT_SESSION_WRITE = 4;

/** A workspace with a 1 MiB file system at `disk/`; the session goes in `disk/s`. */
function setup(workload: (disk: string) => string) {
  const dir = tempDir("flotilla-disk-");
  const disk = mountTmpfs(join(dir, "disk"), "1m");
  writeFileSync(join(dir, "w.yaml"), `version: 1\nname: disk\nallocation: { cores: 8 }\n${workload(disk)}`);
  return { dir, disk, session: join(disk, "s") };
}

/** Files left under `dir` that a clean ending removes. */
function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
    (name) => name.endsWith(".tmp") || name.includes("reserve"),
  );
}

const lastState = (events: EngineEvent[], id: string) => ofType(events, "task:state").findLast((e) => e.id === id);

async function expectNoProcessLeft(events: EngineEvent[]): Promise<void> {
  const pids = knownPids(events);
  expect(pids.length).toBeGreaterThan(0);
  await waitUntil(() => survivors(pids).length === 0, { timeoutMs: 5_000, what: "no process left" });
}

describe.skipIf(tmpfsUnavailable !== undefined)(
  `session directory on a full disk (${tmpfsUnavailable ?? "tmpfs"})`,
  () => {
    it("stops in order when a task's log fills the disk, marks its output incomplete and says so", async () => {
      const { dir, session } = setup(
        () => `
services:
  - name: web
    command: ["${fixture("slow-ready")}", "{port}", "50"]
    ready: { http: "/" }
tasks:
  - name: chatty
    uses: [web]
    command: ["sh", "-c", "head -c 4000000 /dev/zero | tr '\\\\0' x; echo; sleep 30"]
  - name: sleeper
    command: ["sleep", "30"]
`,
      );
      const started = Date.now();
      const result = await runCli(["run", "w.yaml", "--session-dir", session], { cwd: dir });
      expect(Date.now() - started).toBeLessThan(20_000);

      expect(result.code, result.stderr).toBe(EXIT_SESSION_WRITE);
      expect(result.stderr).toContain(
        `cannot write ${join(session, "logs", "chatty.out")}: no space left on device (ENOSPC)`,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
      // The text output states the exit code the process has.
      expect(result.stdout).toMatch(/finished in .* with exit code 4: cannot write .*chatty\.out/);
      expect(result.stdout).toMatch(/task chatty (canceled|done).*output incomplete: cannot write/);

      const events = readEventsFile(join(session, "events.jsonl"));
      const end = events.at(-1);
      expect(end).toMatchObject({ type: "session:end", exit_code: EXIT_SESSION_WRITE });
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(lastState(events, "chatty")).toMatchObject({ output_incomplete: true });
      expect(lastState(events, "sleeper")).toMatchObject({ state: "canceled" });
      expect(lastState(events, "sleeper")?.output_incomplete).toBeUndefined();
      await expectNoProcessLeft(events);
      expect(existsSync(join(session, "summary.json"))).toBe(true);
      expect(leftovers(session)).toEqual([]);
    });

    it("keeps events.jsonl whole and ends it with session:end when the disk fills under it", async () => {
      const { dir, session } = setup(
        (disk) => `
tasks:
  - name: filler
    command: ["sh", "-c", "head -c 4000000 /dev/zero > ${join(disk, "filler")} 2>/dev/null; sleep 30"]
  - name: late
    command: ["sh", "-c", "sleep 1"]
`,
      );
      const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
      expect(result.code, result.stderr).toBe(EXIT_SESSION_WRITE);
      expect(result.stderr).toContain(
        `cannot write ${join(session, "events.jsonl")}: no space left on device (ENOSPC)`,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);

      // Every line is whole (readEventsFile throws on a cut line in the middle) and none is missing.
      const events = readEventsFile(join(session, "events.jsonl"));
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: EXIT_SESSION_WRITE });
      expect(ofType(events, "log").some((e) => e.code === "SESSION_WRITE_FAILED")).toBe(true);
      await expectNoProcessLeft(events);
      // The reserve made room for the summary too.
      expect(existsSync(join(session, "summary.json"))).toBe(true);
      expect(leftovers(session)).toEqual([]);
    });

    it("names a read-only file system as the cause, not ENOENT, and exits 2", async () => {
      const dir = tempDir("flotilla-ro-");
      writeFileSync(join(dir, "w.yaml"), 'version: 1\nname: ro\ntasks:\n  - name: t\n    command: ["true"]\n');
      const disk = mountTmpfs(join(dir, "disk"), "64k", { readOnly: true });
      for (const args of [["--session-dir", join(disk, "s")], []]) {
        const cwd = args.length === 0 ? disk : dir;
        const result = await runCli(["run", join(dir, "w.yaml"), ...args], { cwd });
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(/cannot create session directory .*: read-only file system \(EROFS\)/);
        expect(result.stderr).not.toContain("ENOENT");
      }
    });
  },
);

describe.skipIf(process.getuid?.() !== 0)("session directory the user may not write", () => {
  it("says permission denied (EACCES), not ENOENT, and exits 2", async () => {
    const dir = tempDir("flotilla-eacces-");
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "w.yaml"), 'version: 1\nname: ro\ntasks:\n  - name: t\n    command: ["true"]\n');
    chmodSync(join(dir, "w.yaml"), 0o644);
    if (spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), "true"]).status !== 0) return;
    // Its own home, for its config and the binary's cache.
    const home = join(dir, "home");
    mkdirSync(home);
    chownSync(home, 65534, 65534);
    // Root's 0755 directory: another user may read it but not create anything in it.
    const result = await runCli(["run", "w.yaml", "--session-dir", join(dir, "sub", "s")], {
      cwd: dir,
      wrap: [...NOBODY, "--"],
      env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_CACHE_HOME: join(home, ".cache") },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(
      `cannot create session directory ${join(dir, "sub", "s")}: permission denied (EACCES)`,
    );
  });
});
