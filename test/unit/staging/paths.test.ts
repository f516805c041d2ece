import { describe, expect, it } from "vitest";
import { FlotillaError } from "../../../engine/errors.js";
import {
  destinationOf,
  insideSandbox,
  outermost,
  outsidePattern,
  renderEntry,
  sandboxPathProblem,
  sandboxPattern,
} from "../../../engine/staging/paths.js";

describe("staging paths", () => {
  it("refuses sandbox-side paths that are absolute or leave the sandbox, naming the entry", () => {
    expect(sandboxPathProblem("a/../b")).toBeUndefined();
    expect(sandboxPathProblem("/etc/passwd")).toMatch(/absolute/);
    expect(sandboxPathProblem("../x")).toMatch(/leaves the sandbox/);
    expect(sandboxPathProblem("a/../../x")).toMatch(/leaves the sandbox/);
    expect(insideSandbox("a/./b/", "x")).toBe("a/b");
    expect(insideSandbox(".", "x")).toBe(".");
    expect(() => insideSandbox("../up", "task t, inputs[0]")).toThrowError(FlotillaError);
    expect(() => insideSandbox("../up", "task t, inputs[0]")).toThrowError(/task t, inputs\[0\]: "\.\.\/up" leaves/);
  });

  it("fills {item}, {instance} and {node} in from and to", () => {
    const entry = { from: "data/{item}-{instance}.csv", to: "in/{node}/", mode: "copy" as const, optional: false };
    const rendered = renderEntry(entry, { item: "a", instance: 2, node: "n1" }, "task t.a", "inputs", 0);
    expect(rendered).toMatchObject({
      from: "data/a-2.csv",
      to: "in/n1/",
      what: 'task t.a, inputs[0] ("data/{item}-{instance}.csv")',
    });
  });

  it("puts a plain file at its basename, at `to` itself, or in `to/`", () => {
    const plain = outsidePattern("data/x.csv", "/w");
    expect(plain).toEqual({ base: "/w/data/x.csv", rest: "", glob: false });
    expect(destinationOf(plain, "", undefined, "/sb", "/sb")).toBe("/sb/x.csv");
    expect(destinationOf(plain, "", "in/y.csv", "/sb", "/sb")).toBe("/sb/in/y.csv");
    expect(destinationOf(plain, "", "in/", "/sb", "/sb")).toBe("/sb/in/x.csv");
    expect(destinationOf(outsidePattern("/abs/x.csv", "/w"), "", undefined, "/sb", "/sb")).toBe("/sb/x.csv");
  });

  it("keeps a glob match's path below the pattern's literal directories", () => {
    const glob = outsidePattern("data/**/*.csv", "/w");
    expect(glob).toEqual({ base: "/w/data", rest: "**/*.csv", glob: true });
    expect(destinationOf(glob, "raw/a.csv", undefined, "/sb", "/sb")).toBe("/sb/raw/a.csv");
    // A glob's `to` is always a directory, slash or not.
    expect(destinationOf(glob, "raw/a.csv", "in", "/sb", "/sb")).toBe("/sb/in/raw/a.csv");
    // Outputs: `to` relative to the workload directory, default the session's outputs/<id>/.
    const out = sandboxPattern("res-*.txt", "x");
    expect(out).toEqual({ base: ".", rest: "res-*.txt", glob: true });
    expect(destinationOf(out, "res-1.txt", undefined, "/w", "/s/outputs/t")).toBe("/s/outputs/t/res-1.txt");
    expect(destinationOf(out, "res-1.txt", "results/", "/w", "/s/outputs/t")).toBe("/w/results/res-1.txt");
  });

  it("keeps only the outermost of nested matches", () => {
    expect(outermost(["a/b", "a", "a-c", "a/b/c", "d/e"])).toEqual(["a", "a-c", "d/e"]);
  });
});
