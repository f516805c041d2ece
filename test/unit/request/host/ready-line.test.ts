import { describe, expect, it } from "vitest";
import { formatReadyLine, parseReadyLine, READY_PATTERN } from "../../../../engine/request/host/ready-line.js";

describe("the service host's ready line", () => {
  const ready = {
    zmq: "tcp://127.0.0.1:5555",
    endpoint: "http://127.0.0.1:8000/v1",
    service: "llm",
    backend: "openai",
    init_ms: 812,
    pid: 4242,
  };

  it("is matched by READY_PATTERN, whose group parses back to the same fields", () => {
    const line = formatReadyLine(ready);
    const match = new RegExp(READY_PATTERN).exec(line);
    expect(match?.[1]).toBeDefined();
    expect(parseReadyLine(match?.[1] as string)).toEqual(ready);
    expect(parseReadyLine(line)).toEqual(ready);
  });

  it("is not confused with other output", () => {
    expect(new RegExp(READY_PATTERN).exec("listening on http://127.0.0.1:8000")).toBeNull();
    expect(parseReadyLine("FLOTILLA_READY not json")).toBeUndefined();
    expect(parseReadyLine('{"endpoint":"x"}')).toBeUndefined();
  });
});
