/** `ranks:` on the local platform: one mpirun, each rank pinned to its own GPU. */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildMpiHello, parseHello } from "../fixtures/mpi/build.js";
import { runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { suiteTempDir, tempDir } from "../helpers/tmp.js";

const workload = (hello: string) => `
version: 1
name: mpi
allocation: { platform: local, cores: 4, gpus: 4 }
tasks:
  - name: hello
    ranks: 3
    cores: 1
    gpus: 1
    command: ["${hello}"]
`;

describe("MPI tasks on the local platform", () => {
  let hello = "";
  const build = suiteTempDir();
  beforeAll(() => {
    hello = buildMpiHello(build.path);
    return build.remove;
  });

  it("runs N ranks through mpirun, each seeing only its own GPU", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), workload(hello));
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const lines = parseHello(readFileSync(join(dir, "s", "logs", "hello.out"), "utf8"));
    expect(lines.map((l) => l.rank).sort()).toEqual([0, 1, 2]);
    expect(lines.every((l) => l.size === 3 && l.sum === 3)).toBe(true);
    const gpus = lines.map((l) => l.gpus);
    expect(gpus.every((g) => /^\d$/.test(g))).toBe(true);
    expect(new Set(gpus).size).toBe(3);
    // Rank 0 runs in the placement's first slot, which the task's events report,
    // and the events name every rank's slot, so each rank's GPU is accounted for.
    const scheduled = ofType(parseNdjson(result.stdout), "task:state").find((e) => e.state === "scheduled");
    expect(lines.find((l) => l.rank === 0)?.gpus).toBe(scheduled?.gpus?.join(","));
    expect(scheduled?.slots?.map((slot) => slot.gpus.join(",")).sort()).toEqual([...gpus].sort());
  });

  it("fails the task with a clear error when mpirun is not installed", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), workload(hello));
    // A PATH with a shell and nothing else.
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync("/bin/sh", join(bin, "sh"));
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", "s"], { cwd: dir, env: { PATH: bin } });
    expect(result.code).toBe(1);
    const failed = ofType(parseNdjson(result.stdout), "task:state").find((e) => e.state === "failed");
    expect(failed?.error).toMatch(/needs mpirun \(OpenMPI\) on PATH/);
  });
});
