import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCli } from "../helpers/cli.js";
import { parseNdjson } from "../helpers/events.js";
import { expectCli, up } from "../helpers/pilot.js";
import { tempDir } from "../helpers/tmp.js";

describe("a session that stays up, seen from outside", () => {
  it("shows submitted tasks to watch as they arrive, and watch ends with the session", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 2 }\n");
    const session = await up("w.yaml", [], { cwd });
    const watch = startCli(["watch", "--json", session.dir], { cwd });
    await watch.waitForOutput(/"allocation:state"/);
    await expectCli(["submit", "--wait", "--name", "seen", "--", "echo", "hello"], 0, { cwd });
    await watch.waitForOutput(/"id":"seen","state":"done"/);
    expect(watch.stdout).toMatch(/"type":"task:submitted".*"tasks":\["seen"\]/);
    await expectCli(["down"], 0, { cwd });
    const result = await watch.done;
    expect(result.code).toBe(0);
    expect(parseNdjson(result.stdout).at(-1)).toMatchObject({ type: "session:end", exit_code: 0 });
    expect(readFileSync(join(session.dir, "logs", "seen.out"), "utf8")).toBe("hello\n");
  });

  it("puts the socket in a private directory of its own when the session path is too long for one", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 2 }\n");
    const deep = join(cwd, "a-rather-long-directory-name-for-sessions".repeat(3), "session");
    const session = await up("w.yaml", ["--session-dir", deep], { cwd });
    const { socket } = JSON.parse(readFileSync(join(deep, "control.json"), "utf8")) as { socket: string };
    expect(socket.startsWith(deep)).toBe(false);
    expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(100);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    const one = await expectCli(["submit", deep, "--wait", "--", "true"], 0, { cwd });
    expect(one.stdout.trim()).toBe("true");
    await expectCli(["down", session.dir], 0, { cwd });
    expect(existsSync(dirname(socket))).toBe(false);
  });
});
