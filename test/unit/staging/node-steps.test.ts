import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ForkLauncher } from "../../../engine/launch/fork-launcher.js";
import { collectOnNode, listOnNode, stageInOnNode } from "../../../engine/staging/node-steps.js";
import { tempDir } from "../../helpers/tmp.js";

function steps() {
  const dir = tempDir();
  const launcher = new ForkLauncher({
    node: "here",
    path: process.env.PATH,
    cwd: dir,
    pinCores: false,
    realCores: undefined,
    allocationCores: [],
  });
  const scratch = join(dir, "scratch");
  mkdirSync(scratch);
  return { dir, options: { launcher, scratch } };
}

describe("node-local staging steps", () => {
  it("creates a private sandbox from an archive, lists it, and packs what was asked before removing it", async () => {
    const { dir, options } = steps();
    const source = join(dir, "in");
    mkdirSync(join(source, "sub"), { recursive: true });
    writeFileSync(join(source, "a.txt"), "a");
    writeFileSync(join(source, "sub", "b.txt"), "b");
    const archive = join(dir, "in.tar");
    execFileSync("tar", ["-c", "-f", archive, "-C", source, "."]);
    const base = join(dir, "node");
    const sandbox = await stageInOnNode(options, "here", "t.0", { base, tag: "flotilla-abc" }, archive);
    expect(sandbox).toBe(join(base, "flotilla-abc", "t.0"));
    expect(statSync(sandbox).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, "flotilla-abc")).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(sandbox, "sub", "b.txt"), "utf8")).toBe("b");

    const listing = await listOnNode(options, "here", "t.0", sandbox);
    expect(listing.paths.sort()).toEqual(["a.txt", "sub", "sub/b.txt"]);
    expect([...listing.dirs]).toEqual(["sub"]);

    const list = join(dir, "list");
    writeFileSync(list, "./sub\n");
    const packed = await collectOnNode(options, "here", "t.0", sandbox, list);
    const out = join(dir, "out");
    mkdirSync(out);
    execFileSync("tar", ["-x", "-f", packed, "-C", out]);
    expect(readFileSync(join(out, "sub", "b.txt"), "utf8")).toBe("b");
    expect(existsSync(join(out, "a.txt"))).toBe(false);
    // The sandbox and its (now empty) run directory are gone.
    expect(existsSync(join(base, "flotilla-abc"))).toBe(false);
  });

  it("refuses a run directory that belongs to another user, saying so", async () => {
    if (process.getuid?.() !== 0) return; // needs root to make a directory another user owns
    const { dir, options } = steps();
    const base = join(dir, "node");
    mkdirSync(join(base, "flotilla-abc"), { recursive: true });
    chownSync(join(base, "flotilla-abc"), 65534, 65534);
    await expect(stageInOnNode(options, "here", "t.0", { base, tag: "flotilla-abc" }, undefined)).rejects.toThrowError(
      /staging into the node-local sandbox of t\.0 on node here failed \(exit 1\): flotilla: .*flotilla-abc belongs to another user/,
    );
    expect(existsSync(join(base, "flotilla-abc", "t.0"))).toBe(false);
  });
});
