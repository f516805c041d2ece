/**
 * The binary where no cache directory can be written (a read-only or missing
 * home, an unusable TMPDIR, as on some compute nodes): commands that need no
 * ZeroMQ never touch the native addon, the addon falls back to a directory
 * beside the binary, and where even that is read-only the failure is one line.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { REPO } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { mountTmpfs, tmpfsUnavailable } from "../helpers/tmpfs.js";

const BUILT = join(REPO, "dist", "flotilla");
const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** HOME and TMPDIR under a plain file: nothing can be created below either, whoever runs the test. */
function noCacheEnv(dir: string): Record<string, string> {
  writeFileSync(join(dir, "plain-file"), "");
  return { PATH: "/usr/bin:/bin", HOME: join(dir, "plain-file", "home"), TMPDIR: join(dir, "plain-file", "tmp") };
}

async function flotilla(binary: string, args: string[], cwd: string, env: Record<string, string>): Promise<Result> {
  try {
    const { stdout, stderr } = await run(binary, args, { cwd, env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

const WORKLOAD = "version: 1\nservices:\n  - name: echo\n    backend: noop\n";
const addonDir = (binDir: string) => join(binDir, `.flotilla-${pkg.version}`);

describe.skipIf(!existsSync(BUILT))("the binary with no writable cache directory", () => {
  it("prints its version and validates without the addon, then stages it beside itself for ZeroMQ", async () => {
    const dir = tempDir("flotilla-no-cache-");
    const env = noCacheEnv(dir);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    copyFileSync(BUILT, join(bin, "flotilla"));
    writeFileSync(join(dir, "w.yaml"), WORKLOAD);

    const version = await flotilla(join(bin, "flotilla"), ["--version"], dir, env);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    const valid = await flotilla(join(bin, "flotilla"), ["validate", "w.yaml"], dir, env);
    expect(valid.code, valid.stderr).toBe(0);
    const plan = await flotilla(join(bin, "flotilla"), ["plan", "w.yaml"], dir, env);
    expect(plan.code, plan.stderr).toBe(0);
    // None of them needed the addon: nothing was written anywhere.
    expect(existsSync(addonDir(bin))).toBe(false);

    // A command that speaks ZeroMQ: the addon goes beside the binary (nothing listens on port 9: a timeout).
    const request = await flotilla(
      join(bin, "flotilla"),
      ["request", "tcp://127.0.0.1:9", "--data", "x", "--timeout", "300ms"],
      dir,
      env,
    );
    expect(request.stderr).not.toMatch(/addon|\n\s+at /);
    expect(readdirSync(addonDir(bin))).toEqual([expect.stringMatching(/^zeromq-[0-9a-f]{16}\.node$/)]);
  });

  it.skipIf(tmpfsUnavailable)("says in one line why, when even the binary's own directory is read-only", async () => {
    const dir = tempDir("flotilla-no-cache-");
    const env = noCacheEnv(dir);
    const bin = mountTmpfs(join(dir, "bin"), "160m");
    copyFileSync(BUILT, join(bin, "flotilla"));
    await run("mount", ["-o", "remount,ro", bin]);

    const version = await flotilla(join(bin, "flotilla"), ["--version"], dir, env);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    const request = await flotilla(join(bin, "flotilla"), ["request", "tcp://127.0.0.1:9", "--data", "x"], dir, env);
    expect(request.code).toBe(3);
    const lines = request.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^flotilla request: cannot load the ZeroMQ addon: .*bin\/\.flotilla-[^:]+: E[A-Z]+\). Set XDG_CACHE_HOME or TMPDIR/,
    );
  });
});
