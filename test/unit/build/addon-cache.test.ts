import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addonCacheDirs, stageFile } from "../../../build/runtime/addon-cache.js";
import { tempDir } from "../../helpers/tmp.js";

describe("addonCacheDirs", () => {
  it("prefers XDG_CACHE_HOME, then ~/.cache, and always ends with a per-user temp dir", () => {
    expect(addonCacheDirs({ XDG_CACHE_HOME: "/x", HOME: "/h" }, "1.2.3", 7, "/t")).toEqual([
      "/x/flotilla/1.2.3",
      "/t/flotilla-7/1.2.3",
    ]);
    expect(addonCacheDirs({ HOME: "/h" }, "1.2.3", 7, "/t")).toEqual([
      "/h/.cache/flotilla/1.2.3",
      "/t/flotilla-7/1.2.3",
    ]);
    expect(addonCacheDirs({ XDG_CACHE_HOME: " ", HOME: "" }, "1.2.3", 7, "/t")).toEqual(["/t/flotilla-7/1.2.3"]);
  });
});

describe("stageFile", () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);

  it("writes the file once, executable, with no temp files left, and reuses it after", () => {
    const dir = join(tempDir(), "cache", "0.1.0");
    const path = stageFile(bytes, "addon-abc.node", [dir]);
    expect(path).toBe(join(dir, "addon-abc.node"));
    expect([...readFileSync(path)]).toEqual([...bytes]);
    expect(statSync(path).mode & 0o777).toBe(0o755);
    const written = statSync(path).mtimeMs;
    expect(stageFile(bytes, "addon-abc.node", [dir])).toBe(path);
    expect(statSync(path).mtimeMs).toBe(written);
    expect(readdirSync(dir)).toEqual(["addon-abc.node"]);
  });

  it("replaces a file of the wrong size (an older, interrupted copy)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "addon.node"), "xx");
    stageFile(bytes, "addon.node", [dir]);
    expect([...readFileSync(join(dir, "addon.node"))]).toEqual([...bytes]);
  });

  it("falls back to the next directory when one cannot be created", () => {
    const root = tempDir();
    writeFileSync(join(root, "file"), "");
    const fallback = join(root, "fallback");
    expect(stageFile(bytes, "a.node", [join(root, "file", "sub"), fallback])).toBe(join(fallback, "a.node"));
  });

  it("names every directory it tried when none works", () => {
    const root = tempDir();
    writeFileSync(join(root, "file"), "");
    expect(() => stageFile(bytes, "a.node", [join(root, "file", "one"), join(root, "file", "two")])).toThrow(
      /cannot write a\.node to any cache directory .*file\/one.*file\/two/,
    );
  });
});
