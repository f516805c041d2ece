import { describe, expect, it } from "vitest";
import { hostExitCause } from "../../../../engine/request/drivers/host-driver.js";

describe("hostExitCause", () => {
  it("takes the host's last word and the backend's first quoted line", () => {
    expect(
      hostExitCause([
        "flotilla-backend: 2: vllm: not found",
        "flotilla service-host: backend vllm exited with code 127 before it was ready",
        "  | flotilla-backend: 2: vllm: not found",
      ]),
    ).toBe("backend vllm exited with code 127 before it was ready: vllm: not found");
    expect(hostExitCause(["flotilla service-host: cannot bind tcp://127.0.0.1:1"])).toBe(
      "cannot bind tcp://127.0.0.1:1",
    );
  });

  it("has nothing to add when the host said nothing", () => {
    expect(hostExitCause([])).toBeUndefined();
    expect(hostExitCause(["some backend noise"])).toBeUndefined();
  });
});
