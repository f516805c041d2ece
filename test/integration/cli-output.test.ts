/**
 * Small things a new user meets first, through the real binary: help for a
 * command that does not exist, the final latency line of a service nobody
 * asked anything, and `show` listing finished tasks.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("the command line", () => {
  it("exits 2 for an unknown command also with --help, and names it", async () => {
    const dir = tempDir();
    for (const args of [["no-such-command", "--help"], ["no-such-command", "-h"], ["no-such-command"]]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("unknown command 'no-such-command'");
      expect(result.stdout).toBe("");
    }
    // Real commands keep their own help, exit 0.
    const help = await runCli(["request", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, " ")).toContain("a noop host echoes the payload");
    expect((await runCli(["--help"], { cwd: dir })).code).toBe(0);
    expect((await runCli(["help", "run"], { cwd: dir })).code).toBe(0);
  });

  it("reports no latency for a service that got no request, and `show` lists every finished task", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
allocation: { platform: local, cores: 2 }
services:
  - name: idle
    backend: noop
tasks:
  - name: ok
    command: ["true"]
    count: 3
  - name: bad
    command: ["sh", "-c", "exit 7"]
`,
    );
    const result = await runCli(["run", "w.yaml", "--session-dir", "s"], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^requests to idle: 0 completed, 0 errors$/m);
    expect(result.stdout).not.toContain("p50 0ms");

    const show = await runCli(["show", "s", "--width", "100"], { cwd: dir, env: { NO_COLOR: "1" } });
    expect(show.code, show.stderr).toBe(0);
    for (const id of ["ok.0", "ok.1", "ok.2"])
      expect(show.stdout).toMatch(new RegExp(`✔ ${id.replace(".", "\\.")}\\s.*done exit 0`));
    expect(show.stdout).toMatch(/✖ bad\s.*failed exit 7/);
  });
});
