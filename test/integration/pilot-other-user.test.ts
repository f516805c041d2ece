/**
 * A login node is shared: another Unix user must not be able to submit to,
 * query or stop someone's session. The test makes a second user and tries
 * through the CLI, through the socket directly, and by reading control.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runCli } from "../helpers/cli.js";
import { expectCli, up } from "../helpers/pilot.js";
import { tempDir } from "../helpers/tmp.js";

const isRoot = process.getuid?.() === 0;

function createUser(): { name: string; uid: number; gid: number } {
  const name = `fl${randomBytes(3).toString("hex")}`;
  execFileSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", name]);
  onTestFinished(() => {
    spawnSync("userdel", [name]);
  });
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return { name, uid, gid };
}

describe.skipIf(!isRoot)("another user", () => {
  it("can neither submit to, query, stop nor reach the socket of someone else's session", async () => {
    const cwd = tempDir("flotilla-pilot-user-");
    // Open up the workspace, so the session directory's own mode is the only guard.
    chmodSync(cwd, 0o755);
    writeFileSync(join(cwd, "w.yaml"), "version: 1\nallocation: { cores: 2 }\n");
    const session = await up("w.yaml", [], { cwd });
    const other = createUser();
    const as = ["setpriv", `--reuid=${other.uid}`, `--regid=${other.gid}`, "--clear-groups"];

    const submit = await runCli(["submit", session.dir, "--name", "intruder", "--", "true"], { cwd, wrap: as });
    expect(submit.code).toBe(2);
    expect(submit.stderr).toMatch(/not readable by this user|permission denied|not a session directory/);
    const down = await runCli(["down", session.dir], { cwd, wrap: as });
    expect(down.code).toBe(2);

    // Knowing the socket's path is not enough: the directory around it keeps others out.
    const { socket } = JSON.parse(readFileSync(join(session.dir, "control.json"), "utf8")) as { socket: string };
    const python = [
      "import socket, sys",
      "s = socket.socket(socket.AF_UNIX)",
      "try:",
      "    s.connect(sys.argv[1])",
      "    print('connected')",
      "except OSError as e:",
      "    print(type(e).__name__)",
    ].join("\n");
    const direct = spawnSync(as[0] as string, [...as.slice(1), "/usr/bin/python3", "-c", python, socket], {
      encoding: "utf8",
    });
    expect(direct.stdout.trim()).toBe("PermissionError");
    const read = spawnSync(as[0] as string, [...as.slice(1), "cat", join(session.dir, "control.json")], {
      encoding: "utf8",
    });
    expect(read.status).not.toBe(0);

    // The owner's session took nothing and is still up.
    const status = JSON.parse((await expectCli(["status", "--json", session.dir], 0, { cwd })).stdout);
    expect(status.tasks).toEqual([]);
    await expectCli(["down", session.dir], 0, { cwd });
  });
});
