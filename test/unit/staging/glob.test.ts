import { describe, expect, it } from "vitest";
import { globMatcher, isGlob, splitGlob } from "../../../engine/staging/glob.js";

describe("globs", () => {
  it("matches * and ? within one segment, classes, and ** across directories", () => {
    const cases: Array<[string, string, boolean]> = [
      ["*.csv", "a.csv", true],
      ["*.csv", "d/a.csv", false],
      ["*.csv", ".hidden.csv", false],
      [".*.csv", ".hidden.csv", true],
      ["**/*.csv", "a.csv", true],
      ["**/*.csv", "d/e/a.csv", true],
      ["**/*.csv", "d/.e/a.csv", false],
      ["run-?.out", "run-1.out", true],
      ["run-?.out", "run-10.out", false],
      ["f[0-9].txt", "f3.txt", true],
      ["f[!0-9].txt", "f3.txt", false],
      ["f[!0-9].txt", "fx.txt", true],
      ["a.b", "axb", false],
      ["(x)+.txt", "(x)+.txt", true],
      ["results/**", "results", true],
      ["results/**", "results/a/b", true],
    ];
    for (const [pattern, path, expected] of cases)
      expect([pattern, path, globMatcher(pattern)(path)]).toEqual([pattern, path, expected]);
  });

  it("splits a pattern at its first glob segment", () => {
    expect(splitGlob("data/raw/*.csv")).toEqual({ base: "data/raw", rest: "*.csv" });
    expect(splitGlob("/abs/x/**/y")).toEqual({ base: "/abs/x", rest: "**/y" });
    expect(splitGlob("*.x")).toEqual({ base: "", rest: "*.x" });
    expect(splitGlob("/*.x")).toEqual({ base: "/", rest: "*.x" });
    expect(isGlob("plain/file.txt")).toBe(false);
    expect(isGlob("a/[ab].txt")).toBe(true);
  });
});
