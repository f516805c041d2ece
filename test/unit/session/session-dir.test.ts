import { chownSync, existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../../engine/errors.js";
import { createSessionDir, DEFAULT_SESSIONS_DIR, logFileName } from "../../../engine/session/session-dir.js";
import { newSessionId, SESSION_ID_PATTERN } from "../../../engine/session/session-id.js";
import { tempDir } from "../../helpers/tmp.js";

const NOW = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

describe("session ids", () => {
  it("are YYYYMMDD-HHMMSS-xxxx in UTC", () => {
    expect(newSessionId(NOW, "beef")).toBe("20260102-030405-beef");
    expect(newSessionId(NOW)).toMatch(SESSION_ID_PATTERN);
  });
});

describe("createSessionDir", () => {
  it("defaults to ./flotilla-sessions/<id> with logs/, a workload copy and a latest link", () => {
    const cwd = tempDir();
    const workload = join(cwd, "wl.yaml");
    writeFileSync(workload, "version: 1\nname: quick\n");
    const session = createSessionDir({ cwd, workloadName: "quick", workloadFile: workload, now: NOW });
    expect(session.id).toMatch(/^20260102-030405-[0-9a-f]{4}$/);
    expect(session.path).toBe(join(cwd, DEFAULT_SESSIONS_DIR, session.id));
    expect(existsSync(session.logsPath)).toBe(true);
    expect(session.eventsPath).toBe(join(session.path, "events.jsonl"));
    expect(session.summaryPath).toBe(join(session.path, "summary.json"));
    expect(readFileSync(join(session.path, "workload.yaml"), "utf8")).toBe("version: 1\nname: quick\n");
    expect(session.logPaths("web.0")).toEqual({
      stdout: join(session.path, "logs", "web.0.out"),
      stderr: join(session.path, "logs", "web.0.err"),
    });
    expect(readlinkSync(join(cwd, DEFAULT_SESSIONS_DIR, "latest"))).toBe(session.id);
  });

  it("never reuses a directory for two sessions started in the same second", () => {
    const cwd = tempDir();
    const ids = new Set(Array.from({ length: 30 }, () => createSessionDir({ cwd, workloadName: "w", now: NOW }).path));
    expect(ids.size).toBe(30);
    const latest = readlinkSync(join(cwd, DEFAULT_SESSIONS_DIR, "latest"));
    expect(latest).toMatch(SESSION_ID_PATTERN);
  });

  it("uses --session-dir as given when it is new or empty", () => {
    const cwd = tempDir();
    const session = createSessionDir({ cwd, dir: "runs/one", workloadName: "w", now: NOW });
    expect(session.path).toBe(join(cwd, "runs", "one"));
    expect(existsSync(join(cwd, "runs", "one", "logs"))).toBe(true);
    expect(existsSync(join(cwd, DEFAULT_SESSIONS_DIR))).toBe(false);
  });

  it("refuses a --session-dir that already holds something, naming it", () => {
    const cwd = tempDir();
    createSessionDir({ cwd, dir: "used", workloadName: "w", now: NOW });
    const error = (() => {
      try {
        createSessionDir({ cwd, dir: "used", workloadName: "w", now: NOW });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isFlotillaError(error) && error.code).toBe("USAGE");
    expect(String((error as Error).message)).toContain(join(cwd, "used"));
  });

  it("makes the session, its parents and an empty --session-dir the user made 0700", () => {
    const cwd = tempDir();
    const session = createSessionDir({ cwd, workloadName: "w", now: NOW });
    expect(statSync(join(cwd, DEFAULT_SESSIONS_DIR)).mode & 0o777).toBe(0o700);
    expect(statSync(session.path).mode & 0o777).toBe(0o700);
    expect(statSync(session.logsPath).mode & 0o777).toBe(0o700);
    mkdirSync(join(cwd, "open"), { mode: 0o755 });
    createSessionDir({ cwd, dir: "open", workloadName: "w", now: NOW });
    expect(statSync(join(cwd, "open")).mode & 0o777).toBe(0o700);
    createSessionDir({ cwd, dir: "new/nested", workloadName: "w", now: NOW });
    expect(statSync(join(cwd, "new")).mode & 0o777).toBe(0o700);
  });

  it.skipIf(process.getuid?.() !== 0)("refuses an empty --session-dir that belongs to another user", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "theirs"), { mode: 0o755 });
    chownSync(join(cwd, "theirs"), 65534, 65534);
    expect(() => createSessionDir({ cwd, dir: "theirs", workloadName: "w", now: NOW })).toThrow(
      /cannot be made private: owned by uid 65534/,
    );
    expect(statSync(join(cwd, "theirs")).mode & 0o777).toBe(0o755);
  });

  it("refuses a --session-dir that is a file", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "file"), "x");
    expect(() => createSessionDir({ cwd, dir: "file", workloadName: "w", now: NOW })).toThrow(/not a usable/);
  });
});

describe("logFileName", () => {
  it("keeps plain ids and makes the rest safe without collisions", () => {
    expect(logFileName("hello.3")).toBe("hello.3");
    expect(logFileName("sweep.a-b_c")).toBe("sweep.a-b_c");
    const slash = logFileName("sweep.a/b");
    const underscore = logFileName("sweep.a_b");
    expect(slash).toMatch(/^sweep\.a_b-[0-9a-f]{8}$/);
    expect(slash).not.toBe(underscore);
    expect(logFileName("..")).not.toContain("..");
    expect(logFileName("x".repeat(500)).length).toBeLessThan(140);
  });
});
