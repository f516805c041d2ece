import { describe, expect, it } from "vitest";
import { LivenessMonitor, type LivenessProbe, restartDelayMs } from "../../../engine/service/liveness.js";
import { waitUntil } from "../../helpers/processes.js";

/** A probe whose answers the test sets; records the timeout of each check. */
function scriptedProbe() {
  const state = { alive: true, checks: [] as number[], closed: false };
  const probe: LivenessProbe = {
    check: async (timeoutMs) => {
      state.checks.push(timeoutMs);
      if (state.alive) return true;
      await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      return false;
    },
    close: () => {
      state.closed = true;
    },
  };
  return { state, probe };
}

function monitor(probe: LivenessProbe, settings = { every: 40, timeout: 20, failures: 3 }) {
  const log: string[] = [];
  const m = new LivenessMonitor({
    ...settings,
    probe,
    onCheckFailed: (failures) => log.push(`failed ${failures}`),
    onRecovered: () => log.push("recovered"),
    onDead: (why) => log.push(`dead: ${why}`),
  });
  return { m, log };
}

describe("LivenessMonitor", () => {
  it("declares an instance dead after `failures` failed checks in a row, and stops", async () => {
    const { state, probe } = scriptedProbe();
    const { m, log } = monitor(probe);
    m.start();
    await waitUntil(() => state.checks.length >= 2, { what: "two checks" });
    state.alive = false;
    await waitUntil(() => log.some((line) => line.startsWith("dead")), { what: "dead", timeoutMs: 5_000 });
    expect(log).toEqual([
      "failed 1",
      "failed 2",
      "dead: did not answer 3 liveness check(s) in a row within 20 ms each",
    ]);
    expect(state.closed).toBe(true);
    const checks = state.checks.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(state.checks.length).toBe(checks);
  });

  it("forgives failed checks once one passes", async () => {
    const { state, probe } = scriptedProbe();
    const { m, log } = monitor(probe);
    state.alive = false;
    m.start();
    await waitUntil(() => log.length === 2, { what: "two failures", timeoutMs: 5_000 });
    state.alive = true;
    await waitUntil(() => log.includes("recovered"), { what: "recovery", timeoutMs: 5_000 });
    state.alive = false;
    await waitUntil(() => log.some((line) => line.startsWith("dead")), { what: "dead", timeoutMs: 5_000 });
    expect(log).toEqual(["failed 1", "failed 2", "recovered", "failed 1", "failed 2", expect.stringMatching(/^dead/)]);
    m.stop();
  });

  it("checks a suspect at once, within the suspicion's time, and one failure is then enough", async () => {
    const { state, probe } = scriptedProbe();
    const { m, log } = monitor(probe, { every: 60_000, timeout: 2_000, failures: 3 });
    m.start();
    state.alive = false;
    const started = performance.now();
    m.suspect("answered nothing for 600 ms with 16 request(s) in flight", 50);
    await waitUntil(() => log.length > 0, { what: "a verdict", timeoutMs: 5_000 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(state.checks).toEqual([50]);
    expect(log).toEqual([
      "dead: answered nothing for 600 ms with 16 request(s) in flight, and did not answer a liveness check within 50 ms",
    ]);
  });

  it("lets a suspect that answers stay alive", async () => {
    const { state, probe } = scriptedProbe();
    const { m, log } = monitor(probe, { every: 60_000, timeout: 2_000, failures: 3 });
    m.start();
    m.suspect("slow", 50);
    await waitUntil(() => state.checks.length === 1, { what: "a check" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual([]);
    m.stop();
  });

  it("waits longer before each restart, up to 30 s", () => {
    expect([1, 2, 3, 4, 10, 20].map(restartDelayMs)).toEqual([500, 1_000, 2_000, 4_000, 30_000, 30_000]);
  });
});
