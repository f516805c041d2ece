import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ForkLauncher, type ForkLauncherOptions } from "../../../engine/launch/fork-launcher.js";
import { gpuEnv, placementEnv } from "../../../engine/launch/gpu-env.js";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import type { LaunchSpec } from "../../../engine/platform/types.js";
import { fixture } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

const PATH = process.env.PATH;

function launcher(extra: Partial<ForkLauncherOptions> = {}): ForkLauncher {
  return new ForkLauncher({
    node: "here",
    path: PATH,
    cwd: process.cwd(),
    pinCores: true,
    realCores: new Set([0]),
    allocationCores: [0],
    registry: new ProcessRegistry(),
    ...extra,
  });
}

function spec(dir: string, command: string[], lines: string[], extra: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    id: "t.0",
    placement: { node: "here", cores: [0], gpus: [2, 5], slots: [{ node: "here", cores: [0], gpus: [2, 5] }] },
    command,
    env: {},
    stdoutPath: join(dir, "t.0.out"),
    stderrPath: join(dir, "t.0.err"),
    onLine: (_stream, line) => lines.push(line),
    ...extra,
  };
}

describe("gpuEnv", () => {
  it("pins CUDA and ROCm to the given ids", () => {
    expect(gpuEnv([1, 3])).toEqual({
      CUDA_VISIBLE_DEVICES: "1,3",
      HIP_VISIBLE_DEVICES: "1,3",
      ROCR_VISIBLE_DEVICES: "1,3",
      FLOTILLA_GPU_IDS: "1,3",
    });
  });

  it("hides every GPU from work that got none", () => {
    expect(gpuEnv([])).toMatchObject({ CUDA_VISIBLE_DEVICES: "", HIP_VISIBLE_DEVICES: "", ROCR_VISIBLE_DEVICES: "" });
  });

  it("adds the cores and the node", () => {
    expect(placementEnv({ node: "n1", cores: [4, 5], gpus: [] })).toMatchObject({
      FLOTILLA_CORE_IDS: "4,5",
      FLOTILLA_NODE: "n1",
      CUDA_VISIBLE_DEVICES: "",
    });
  });
});

describe("ForkLauncher", () => {
  it("gives the process its placement's GPUs, overriding the spec's env", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const script = 'echo "$CUDA_VISIBLE_DEVICES|$ROCR_VISIBLE_DEVICES|$FLOTILLA_CORE_IDS|$FLOTILLA_NODE|$OWN"';
    const running = launcher().start(
      spec(dir, ["sh", "-c", script], lines, { env: { CUDA_VISIBLE_DEVICES: "0,1,2,3", OWN: "kept" } }),
    );
    expect(running.node).toBe("here");
    expect((await running.exited).exitCode).toBe(0);
    expect(lines).toEqual(["2,5|2,5|0|here|kept"]);
  });

  it("pins to the placement's cores with taskset when the ids are real", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const pinned = launcher();
    expect(pinned.pinsCores).toBe(true);
    await pinned.start(spec(dir, ["sh", "-c", "grep Cpus_allowed_list /proc/self/status"], lines)).exited;
    expect(lines[0]).toMatch(/Cpus_allowed_list:\s+0$/);
  });

  it("does not pin when the allocation's cores are not all real", () => {
    expect(launcher({ allocationCores: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1000] }).pinsCores).toBe(false);
    expect(launcher({ realCores: undefined }).pinsCores).toBe(false);
    expect(launcher({ pinCores: false }).pinsCores).toBe(false);
  });

  it("keeps a missing command a spawn error even when pinning", async () => {
    const dir = tempDir();
    const record = await launcher().start(spec(dir, ["flotilla-no-such-command"], [])).exited;
    expect(record).toMatchObject({ exitCode: null, failed: true });
    expect((record.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  it("runs fixtures by path and reports the local host", async () => {
    const dir = tempDir();
    const l = launcher();
    expect(l.hostOf("here")).toBe("127.0.0.1");
    const record = await l.start(spec(dir, [fixture("fail"), "4"], [])).exited;
    expect(record.exitCode).toBe(4);
  });

  it("refuses MPI specs without an MPI launcher", () => {
    const dir = tempDir();
    expect(() => launcher().start(spec(dir, ["true"], [], { mpi: true }))).toThrow(/MPI launch needs/);
  });
});
