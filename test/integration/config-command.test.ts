/** `flotilla config` through the real CLI and conf, and its values reaching a --json run's session:start. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";

describe("flotilla config", () => {
  it("sets, gets, unsets and locates per-user settings, rejecting unknown keys and bad values", async () => {
    const dir = tempDir();
    const options = { cwd: dir, env: { FLOTILLA_CONFIG_DIR: join(dir, "cfg") } };
    expect((await runCli(["config", "set", "slurm.account", "abc123"], options)).code).toBe(0);
    expect((await runCli(["config", "set", "slurm.extra_args", "--mail-type=END --requeue"], options)).code).toBe(0);
    expect((await runCli(["config", "get", "slurm.account"], options)).stdout).toBe("abc123\n");
    const path = (await runCli(["config", "path"], options)).stdout.trim();
    expect(path).toBe(join(dir, "cfg", "config.json"));
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      slurm: { account: "abc123", extra_args: ["--mail-type=END", "--requeue"] },
    });
    expect(JSON.parse((await runCli(["config", "get"], options)).stdout)).toEqual({
      slurm: { account: "abc123", extra_args: ["--mail-type=END", "--requeue"] },
    });
    expect((await runCli(["config", "unset", "slurm.account"], options)).code).toBe(0);
    expect(await runCli(["config", "get", "slurm.account"], options)).toMatchObject({ code: 1, stdout: "" });
    const unknown = await runCli(["config", "set", "slurm.acount", "x"], options);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown config key "slurm.acount"/);
    expect((await runCli(["config", "set", "platform", "pbs"], options)).code).toBe(2);
  });

  it("reports in session:start which value came from a flag, the workload, the config or a default", async () => {
    const dir = tempDir();
    const options = { cwd: dir, env: { FLOTILLA_CONFIG_DIR: join(dir, "cfg") } };
    await runCli(["config", "set", "slurm.qos", "normal"], options);
    await runCli(["config", "set", "slurm.account", "from-config"], options);
    writeFileSync(
      join(dir, "w.yaml"),
      'version: 1\nallocation: { platform: local, cores: 2, account: from-workload }\ntasks: [{ name: t, command: ["true"] }]\n',
    );
    const run = await runCli(["run", "w.yaml", "--json", "--gpus", "1", "--session-dir", "s"], options);
    expect(run.code, run.stderr).toBe(0);
    const [start] = ofType(parseNdjson(run.stdout), "session:start");
    expect(start?.settings).toMatchObject({
      platform: { value: "local", source: "workload" },
      cores: { value: 2, source: "workload" },
      gpus: { value: 1, source: "flag" },
      account: { value: "from-workload", source: "workload" },
      qos: { value: "normal", source: "config" },
      nodes: { value: 1, source: "default" },
    });
  });
});
