import { describe, expect, it } from "vitest";
import { parseWorkload } from "../../../engine/workload/load.js";
import { restartsOf } from "../../../engine/workload/schema.js";
import { problems } from "../../helpers/workload-errors.js";

const service = (fields: string) => `version: 1
services:
  - name: llm
    backend: noop
${fields}`;

describe("liveness and restarts in the workload", () => {
  it("checks every 5s with a 2s timeout and gives up after 3 failures by default", () => {
    const [svc] = parseWorkload(service(""), "w.yaml").workload.services;
    expect(svc?.liveness).toEqual({ every: 5_000, timeout: 2_000, failures: 3 });
  });

  it("takes durations, fills what is left out, and can be turned off", () => {
    const parse = (fields: string) => parseWorkload(service(fields), "w.yaml").workload.services[0]?.liveness;
    expect(parse("    liveness: { every: 1s, timeout: 200ms, failures: 2 }")).toEqual({
      every: 1_000,
      timeout: 200,
      failures: 2,
    });
    // A timeout left out never exceeds the period.
    expect(parse("    liveness: { every: 500ms }")).toEqual({ every: 500, timeout: 500, failures: 3 });
    expect(parse("    liveness: off")).toBe("off");
    expect(parse("    liveness: false")).toBe("off");
  });

  it("explains what is wrong with a liveness setting, at its line", () => {
    expect(problems(service("    liveness: sometimes"))).toEqual([
      'w.yaml:5:15: services[0].liveness: must be off, or a mapping with every, timeout and failures (e.g. { every: 5s, timeout: 2s, failures: 3 }), got "sometimes"',
    ]);
    const bad = problems(service("    liveness: { every: 50ms, failures: 0 }"));
    expect(bad).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/services\[0\]\.liveness\.every: must be at least 100ms/),
        expect.stringMatching(/services\[0\]\.liveness\.failures: .*1/),
      ]),
    );
    expect(problems(service("    liveness: { every: 1s, timeout: 2s }"))).toEqual([
      expect.stringMatching(/services\[0\]\.liveness\.timeout: must not be longer than `every`/),
    ]);
    expect(problems(service("    liveness: { every: 1s, interval: 2s }"))[0]).toMatch(
      /services\[0\]\.liveness\.interval: unknown key "interval" \(known keys: every, timeout, failures\)/,
    );
  });

  it("restarts an instance with a backend once by default, and keeps what the workload says", () => {
    const services = parseWorkload(
      `version: 1
services:
  - { name: a, backend: noop }
  - { name: b, backend: noop, restarts: 0 }
  - { name: c, command: [x] }
  - { name: d, command: [x], restarts: 4 }
`,
      "w.yaml",
    ).workload.services;
    expect(services.map(restartsOf)).toEqual([1, 0, 0, 4]);
  });
});
