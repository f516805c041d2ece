import { describe, expect, it } from "vitest";
import { launchedReplicas } from "../../../engine/workload/expand.js";
import { parseWorkload } from "../../../engine/workload/load.js";
import { problems } from "../../helpers/workload-errors.js";

const service = (fields: string) => `version: 1
services:
  - name: llm
${fields}`;

describe("autoscale in the workload", () => {
  it("fills the defaults and starts with min instances", () => {
    const [svc] = parseWorkload(service("    backend: noop\n    autoscale: { max: 8 }"), "w.yaml").workload.services;
    expect(svc?.autoscale).toEqual({
      min: 1,
      max: 8,
      target_outstanding: 4,
      up_after: 10_000,
      down_after: 60_000,
      drain_timeout: 30_000,
    });
    const parsed = parseWorkload(
      service("    backend: noop\n    autoscale: { min: 2, max: 3, target_outstanding: 1.5, up_after: 500ms }"),
      "w.yaml",
    ).workload.services[0];
    expect(parsed?.autoscale?.up_after).toBe(500);
    expect(parsed && launchedReplicas(parsed)).toBe(2);
  });

  it("refuses max below min, a missing max and a target of 0, at their lines", () => {
    expect(problems(service("    backend: noop\n    autoscale: { min: 3, max: 2 }"))).toEqual([
      expect.stringMatching(/^w\.yaml:5:\d+: services\[0\]\.autoscale\.max: must be at least min \(3\)/),
    ]);
    expect(problems(service("    backend: noop\n    autoscale: { min: 1 }"))[0]).toMatch(
      /services\[0\]\.autoscale\.max: /,
    );
    expect(problems(service("    backend: noop\n    autoscale: { max: 2, target_outstanding: 0 }"))[0]).toMatch(
      /services\[0\]\.autoscale\.target_outstanding: /,
    );
  });

  it("refuses replicas beside autoscale, a service without a backend, and remote endpoints", () => {
    expect(problems(service("    backend: noop\n    replicas: 2\n    autoscale: { max: 4 }"))).toEqual([
      expect.stringMatching(/^w\.yaml:5:\d+: services\[0\]\.replicas: give replicas .* or autoscale .*, not both/),
    ]);
    expect(problems(service("    command: [x]\n    autoscale: { max: 4 }"))).toEqual([
      expect.stringMatching(/^w\.yaml:5:\d+: services\[0\]\.autoscale: needs a backend/),
    ]);
    expect(
      problems(service("    backend: noop\n    endpoints: [http://192.0.2.1:8000/v1]\n    autoscale: { max: 4 }")),
    ).toEqual([expect.stringMatching(/services\[0\]\.endpoints: an autoscaled service cannot list endpoints/)]);
  });
});
