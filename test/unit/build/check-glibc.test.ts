import { describe, expect, it } from "vitest";
import { compareVersions, maxGlibc, maxGlibcIn } from "../../../build/check-glibc.js";

describe("check-glibc", () => {
  it("compares versions numerically, not as strings", () => {
    expect(compareVersions("2.28", "2.3")).toBeGreaterThan(0);
    expect(compareVersions("2.2.5", "2.3")).toBeLessThan(0);
    expect(compareVersions("2.28", "2.28")).toBe(0);
  });

  it("finds the highest GLIBC version in an objdump -T listing", () => {
    const listing = [
      "0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.2.5) memcpy",
      "0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.28) fcntl64",
      "0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.3) __ctype_b_loc",
      "0000000000000000      DF *UND*  0000000000000000 (GLIBCXX_3.4.30) _ZSt4cout",
    ].join("\n");
    expect(maxGlibcIn(listing)).toBe("2.28");
    expect(maxGlibcIn("no versions here")).toBeUndefined();
  });

  it("reads a real ELF file: this node needs some GLIBC", async () => {
    expect(await maxGlibc(process.execPath)).toMatch(/^2\.\d+$/);
  });
});
