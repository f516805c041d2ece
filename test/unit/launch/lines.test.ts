import { describe, expect, it } from "vitest";
import { LineSplitter, MAX_LINE_CHARS } from "../../../engine/launch/lines.js";

function collect() {
  const lines: string[] = [];
  return { lines, splitter: new LineSplitter((line) => lines.push(line)) };
}

describe("LineSplitter", () => {
  it("joins lines split across chunks and handles CRLF", () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from("hel"));
    splitter.push(Buffer.from("lo\r\nwor"));
    splitter.push(Buffer.from("ld\n\nlast"));
    expect(lines).toEqual(["hello", "world", ""]);
    splitter.flush();
    expect(lines).toEqual(["hello", "world", "", "last"]);
  });

  it("decodes a UTF-8 character split between chunks", () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from("gpu=é✓\n");
    splitter.push(bytes.subarray(0, 5));
    splitter.push(bytes.subarray(5));
    expect(lines).toEqual(["gpu=é✓"]);
  });

  it("cuts a line that never ends so memory stays bounded", () => {
    const { lines, splitter } = collect();
    splitter.push("x".repeat(MAX_LINE_CHARS * 2 + 10));
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.length === MAX_LINE_CHARS)).toBe(true);
    splitter.flush();
    expect(lines[2]).toBe("x".repeat(10));
  });

  it("flush on an empty buffer emits nothing", () => {
    const { lines, splitter } = collect();
    splitter.push("a\n");
    splitter.flush();
    splitter.flush();
    expect(lines).toEqual(["a"]);
  });
});
