import { chmodSync, closeSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  copyPrivateFileSync,
  createPrivateWriteStream,
  mkdirPrivate,
  openPrivate,
  replacePrivateFileSync,
} from "../../../engine/session/private-fs.js";
import { describeFsError, writeFailure } from "../../../engine/session/write-errors.js";
import { tempDir } from "../../helpers/tmp.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe.each([0o000, 0o022, 0o277])("private files under umask %o", (umask) => {
  let previous: number;
  beforeEach(() => {
    previous = process.umask(umask);
  });
  afterEach(() => {
    process.umask(previous);
  });

  it("creates every missing directory 0700 and returns them", () => {
    const root = tempDir();
    const created = mkdirPrivate(join(root, "a", "b", "c"));
    expect(created).toEqual([join(root, "a"), join(root, "a", "b"), join(root, "a", "b", "c")]);
    for (const dir of created) expect(mode(dir)).toBe(0o700);
    expect(mkdirPrivate(join(root, "a", "b", "c"))).toEqual([]);
  });

  it("writes files 0600, also over an existing 0644 file and for a copy of a 0755 file", async () => {
    const root = tempDir();
    const existing = join(root, "old.log");
    writeFileSync(existing, "x");
    chmodSync(existing, 0o644);
    closeSync(openPrivate(existing, "a"));
    expect(mode(existing)).toBe(0o600);

    const source = join(root, "script.sh");
    writeFileSync(source, "echo hi\n");
    chmodSync(source, 0o755);
    copyPrivateFileSync(source, join(root, "copy.sh"));
    expect(mode(join(root, "copy.sh"))).toBe(0o600);
    expect(readFileSync(join(root, "copy.sh"), "utf8")).toBe("echo hi\n");

    replacePrivateFileSync(join(root, "summary.json"), "{}\n");
    expect(mode(join(root, "summary.json"))).toBe(0o600);

    const stream = createPrivateWriteStream(join(root, "new", "out.jsonl"));
    await new Promise<void>((resolve) => stream.end("line\n", () => resolve()));
    expect(mode(join(root, "new"))).toBe(0o700);
    expect(mode(join(root, "new", "out.jsonl"))).toBe(0o600);
  });
});

describe("private-fs errors", () => {
  it("leaves no temporary file behind when the replace fails", () => {
    const root = tempDir();
    mkdirSync(join(root, "summary.json")); // rename onto a directory fails
    expect(() => replacePrivateFileSync(join(root, "summary.json"), "{}")).toThrow();
    expect(readdirSync(root)).toEqual(["summary.json"]);
  });

  it("reports the real cause of a mkdir that cannot work, not ENOENT", () => {
    const root = tempDir();
    writeFileSync(join(root, "file"), "");
    let error: unknown;
    try {
      mkdirPrivate(join(root, "file", "sub", "dir"));
    } catch (e) {
      error = e;
    }
    expect(describeFsError(error)).toBe("not a directory (ENOTDIR)");
  });

  it("says a system error in words with its code", () => {
    const erofs = Object.assign(new Error("EROFS: read-only file system, mkdir"), { code: "EROFS", errno: -30 });
    expect(describeFsError(erofs)).toBe("read-only file system (EROFS)");
    const enospc = Object.assign(new Error("ENOSPC"), { code: "ENOSPC", errno: -28 });
    const failure = writeFailure("/s/events.jsonl", enospc);
    expect(failure.code).toBe("SESSION_WRITE_FAILED");
    expect(failure.message).toBe("cannot write /s/events.jsonl: no space left on device (ENOSPC)");
  });
});
