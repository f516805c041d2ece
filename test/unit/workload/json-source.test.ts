import { describe, expect, it } from "vitest";
import { parseJsonSource } from "../../../engine/workload/json-source.js";
import { parseSource } from "../../../engine/workload/source.js";

const text = [
  "{",
  '  "version": 1,',
  '  "tasks": [',
  '    { "name": "a\\"b", "command": ["x", "y"] },',
  '    { "name": "c", "env": { "K": "v" }, "gpus": "many" }',
  "  ],",
  '  "services": []',
  "}",
].join("\n");

describe("parseJsonSource", () => {
  const parsed = parseJsonSource(text)!;

  it("reads the same data as JSON.parse", () => {
    expect(parsed.syntaxErrors).toEqual([]);
    expect(parsed.data).toEqual(JSON.parse(text));
  });

  it("finds values, keys, list items and nested fields", () => {
    expect(parsed.locate(["version"])).toEqual({ line: 2, col: 14 });
    expect(parsed.locate(["tasks", 0, "command", 1])).toEqual({ line: 4, col: 40 });
    expect(parsed.locate(["tasks", 1, "gpus"])).toEqual({ line: 5, col: 49 });
    expect(parsed.locate(["tasks", 1, "gpus"], { key: true })).toEqual({ line: 5, col: 41 });
    expect(parsed.locate(["tasks", 1, "env", "K"])).toEqual({ line: 5, col: 34 });
    expect(parsed.locate(["services"])).toEqual({ line: 7, col: 15 });
  });

  it("points a missing field at its closest parent", () => {
    expect(parsed.locate(["tasks", 1, "cores"])).toEqual({ line: 5, col: 5 });
    expect(parsed.locate(["tasks", 7])).toEqual({ line: 3, col: 12 });
  });

  it("reports duplicate keys where the second one is", () => {
    const dup = parseJsonSource('{"version": 1,\n "version": 1}')!;
    expect(dup.data).toBeUndefined();
    expect(dup.syntaxErrors).toEqual([{ position: { line: 2, col: 2 }, message: "Map keys must be unique" }]);
  });

  it("leaves text that is not JSON to the YAML parser, which says where it breaks", () => {
    expect(parseJsonSource("{version: 1}")).toBeUndefined();
    expect(parseSource("{version: 1}").data).toEqual({ version: 1 });
    expect(parseSource('{"version": 1,,}').syntaxErrors[0]?.position?.line).toBe(1);
  });

  it("walks deep nesting without recursion", () => {
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const source = parseJsonSource(deep)!;
    expect(source.locate([0, 0, 0])).toEqual({ line: 1, col: 4 });
  });
});
