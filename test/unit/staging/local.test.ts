import { lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matchLocal, transfer } from "../../../engine/staging/local.js";
import { tempDir } from "../../helpers/tmp.js";

function tree(): string {
  const dir = tempDir();
  mkdirSync(join(dir, "data/raw/sub"), { recursive: true });
  writeFileSync(join(dir, "data/raw/a.csv"), "a");
  writeFileSync(join(dir, "data/raw/b.csv"), "b");
  writeFileSync(join(dir, "data/raw/notes.txt"), "n");
  writeFileSync(join(dir, "data/raw/sub/c.csv"), "c");
  return dir;
}

describe("local staging", () => {
  it("finds glob matches below the pattern's base, and a plain path only when it exists", async () => {
    const dir = tree();
    expect(await matchLocal({ base: join(dir, "data/raw"), rest: "*.csv", glob: true })).toEqual(["a.csv", "b.csv"]);
    expect(await matchLocal({ base: join(dir, "data"), rest: "**/*.csv", glob: true })).toEqual([
      "raw/a.csv",
      "raw/b.csv",
      "raw/sub/c.csv",
    ]);
    // A matched directory brings its contents: nothing inside it is listed again.
    expect(await matchLocal({ base: join(dir, "data"), rest: "**", glob: true })).toEqual(["raw"]);
    expect(await matchLocal({ base: join(dir, "data/raw"), rest: "*.parquet", glob: true })).toEqual([]);
    expect(await matchLocal({ base: join(dir, "data/raw/a.csv"), rest: "", glob: false })).toEqual([""]);
    expect(await matchLocal({ base: join(dir, "nope"), rest: "", glob: false })).toEqual([]);
  });

  it("copies files and directories, links to the absolute source, and moves", async () => {
    const dir = tree();
    const out = join(dir, "sandbox");
    await transfer(join(dir, "data/raw"), join(out, "copy"), "copy");
    expect(readFileSync(join(out, "copy/sub/c.csv"), "utf8")).toBe("c");
    await transfer(join(dir, "data/raw/a.csv"), join(out, "deep/link.csv"), "link");
    expect(lstatSync(join(out, "deep/link.csv")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, "deep/link.csv"))).toBe(join(dir, "data/raw/a.csv"));
    await transfer(join(dir, "data/raw/b.csv"), join(out, "moved.csv"), "move");
    expect(readFileSync(join(out, "moved.csv"), "utf8")).toBe("b");
    expect(() => lstatSync(join(dir, "data/raw/b.csv"))).toThrow();
    // Parents Flotilla creates are private.
    expect(lstatSync(join(out, "deep")).mode & 0o777).toBe(0o700);
  });
});
