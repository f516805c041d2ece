import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareVersions, GLIBC_CEILING, maxGlibc } from "../../build/check-glibc.js";
import pkg from "../../package.json" with { type: "json" };
import { binaryProblem, fromSource } from "../helpers/cli.js";
import { suiteTempDir } from "../helpers/tmp.js";

const run = promisify(execFile);
const BUILT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "flotilla");

// The binary is the product: a missing or stale one fails these tests (run
// `npm run build`), unless FLOTILLA_TEST_SOURCE=1 asks to test the sources.
if (fromSource()) console.warn("binary tests skipped: FLOTILLA_TEST_SOURCE=1 tests the sources");

const WORKLOAD = `version: 1
name: binary-smoke
allocation: { platform: local }
services:
  - name: echo
    command: ["sh", "-c", "echo listening on {port}; exec sleep 300"]
    replicas: 2
    cores: 1
    gpus: 1
    ready: { log: "listening on (\\\\d+)" }
    startup_timeout: 20s
tasks:
  - name: hello
    command: ["sh", "-c", "echo gpu=[$CUDA_VISIBLE_DEVICES] svc=$FLOTILLA_SERVICE_ECHO_URLS"]
    count: 4
    cores: 1
    uses: [echo]
`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(fromSource())("the single binary, copied into an empty directory", () => {
  const tmp = suiteTempDir("flotilla-binary-");
  const dir = join(tmp.path, "work");
  const binary = join(dir, "flotilla");
  const home = join(tmp.path, "home");
  // A clean environment: nothing from the developer's shell, node or npm.
  const env = { HOME: home, PATH: "/usr/bin:/bin", TMPDIR: join(tmp.path, "tmp"), LANG: "C.UTF-8" };

  async function flotilla(args: string[], extraEnv: Record<string, string> = {}): Promise<Result> {
    try {
      const { stdout, stderr } = await run(binary, args, { cwd: dir, env: { ...env, ...extraEnv }, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
  }

  beforeAll(() => {
    const problem = binaryProblem();
    if (problem !== undefined) throw new Error(`${problem}: run \`npm run build\``);
    for (const path of [dir, home, env.TMPDIR]) mkdirSync(path, { recursive: true });
    copyFileSync(BUILT, binary);
    writeFileSync(join(dir, "work.yaml"), WORKLOAD);
  });
  afterAll(() => tmp.remove());

  it("prints its version", async () => {
    const result = await flotilla(["--version"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it("runs a workload: two services pinned to the two GPUs, four tasks that use them", async () => {
    const result = await flotilla(["run", "work.yaml", "--gpus", "2", "--cores", "4", "--json", "--session-dir", "s"]);
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ready = events.filter((e) => e.type === "service:state" && e.state === "ready");
    expect(ready.map((e) => e.gpus).sort()).toEqual([[0], [1]]);
    const end = events.at(-1);
    expect(end).toMatchObject({ type: "session:end", exit_code: 0, tasks: { done: 4, failed: 0 } });

    const session = join(dir, "s");
    expect(readdirSync(session).sort()).toEqual(expect.arrayContaining(["events.jsonl", "logs", "summary.json"]));
    expect(readFileSync(join(session, "events.jsonl"), "utf8")).toBe(result.stdout);
    const summary = JSON.parse(readFileSync(join(session, "summary.json"), "utf8")) as Record<string, unknown>;
    expect(summary).toMatchObject({ tasks: { done: 4 } });
    const endpoints = ready.map((e) => String(e.endpoint));
    for (let i = 0; i < 4; i++) {
      const out = readFileSync(join(session, "logs", `hello.${i}.out`), "utf8");
      expect(out).toMatch(/^gpu=\[\] svc=\S+\n$/);
      for (const endpoint of endpoints) expect(out).toContain(endpoint);
    }
  });

  it("loads zeromq's addon from its cache and round-trips messages, reads back conf, renders Ink", async () => {
    const result = await flotilla(["self-check", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      single_binary: boolean;
      zeromq: { version: string; addon: string; round_trips: string[] };
      conf: { round_trip: boolean };
      ink: { rendered: string };
    };
    expect(report.single_binary).toBe(true);
    expect(report.zeromq.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(report.zeromq.round_trips).toEqual(["inproc", "tcp"]);
    expect(dirname(report.zeromq.addon)).toBe(join(home, ".cache", "flotilla", pkg.version));
    expect(report.conf.round_trip).toBe(true);
    expect(report.ink.rendered).toContain("╭");
    expect(report.ink.rendered).toContain("flotilla self-check: ink frame");
  });

  it("keeps the addon in the temp dir when the home cache cannot be written", async () => {
    // HOME under a plain file: no directory can be made there, whoever runs the test.
    writeFileSync(join(tmp.path, "not-a-dir"), "");
    const result = await flotilla(["self-check", "--json"], { HOME: join(tmp.path, "not-a-dir", "home") });
    expect(result.code, result.stderr).toBe(0);
    const addon = (JSON.parse(result.stdout) as { zeromq: { addon: string } }).zeromq.addon;
    expect(dirname(addon)).toBe(join(env.TMPDIR, `flotilla-${process.getuid?.() ?? 0}`, pkg.version));
  });

  it("stages the addon once when four first starts race, under XDG_CACHE_HOME", async () => {
    const xdg = join(tmp.path, "xdg");
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => flotilla(["self-check", "--json"], { XDG_CACHE_HOME: xdg })),
    );
    const cacheDir = join(xdg, "flotilla", pkg.version);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(dirname((JSON.parse(result.stdout) as { zeromq: { addon: string } }).zeromq.addon)).toBe(cacheDir);
    }
    // Every writer renamed its own complete temp file into place; none is left behind.
    expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^zeromq-[0-9a-f]{16}\.node$/)]);
  });

  it("draws a live Ink frame on a pseudo-terminal", async () => {
    // script(1) gives the binary a terminal; -e passes its exit code through.
    const command = `${binary} self-check --tty`;
    const { stdout } = await run("script", ["-qec", command, "/dev/null"], {
      cwd: dir,
      env: { ...env, TERM: "xterm-256color" },
      timeout: 60_000,
    });
    expect(stdout).toContain("flotilla self-check: ink frame");
    expect(stdout).toContain("╰");
  });

  it(`needs no GLIBC newer than ${GLIBC_CEILING}, nor does the addon it carries`, async () => {
    // Its own cache, staged here: the test must not lean on one an earlier test left.
    const cache = join(tmp.path, "glibc-cache");
    const staged = await flotilla(["self-check", "--json"], { XDG_CACHE_HOME: cache });
    expect(staged.code, staged.stderr).toBe(0);
    const addonDir = join(cache, "flotilla", pkg.version);
    const addons = readdirSync(addonDir).filter((name) => name.endsWith(".node"));
    expect(addons).toHaveLength(1);
    for (const file of [binary, join(addonDir, addons[0]!)]) {
      const max = await maxGlibc(file);
      expect(max, file).toBeDefined();
      expect(compareVersions(max!, GLIBC_CEILING), `${file} needs GLIBC ${max}`).toBeLessThanOrEqual(0);
    }
  });
});
