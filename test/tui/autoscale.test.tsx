import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup } from "ink-testing-library";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EventLog, liveSession } from "../../bench/harness/tui-sessions.js";
import { replay, SCALE_LIMIT } from "../../engine/state.js";
import { scaleRanges } from "../../tui/scale.js";
import { frameWhere, KEY, lines, press, renderDashboard } from "./harness.js";

afterEach(() => cleanup());

const WORKLOAD = `name: demo
services:
  - name: llm
    backend: noop
    autoscale: { max: 8, target_outstanding: 4 }
  - name: embed
    backend: noop
    replicas: 1
tasks: []
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-scale-"));
  writeFileSync(join(dir, "workload.yaml"), WORKLOAD);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = { node: "node0", cores: [], gpus: [] };

/** liveSession (llm with 2 instances), then llm scales 2 → 4 under load and drains one again. */
function scaledSession(): EventLog {
  const log = liveSession();
  const start = log.events[0];
  if (start?.type === "session:start") start.session_dir = dir;
  log.at(5_100).emit({
    type: "service:scale",
    service: "llm",
    from: 2,
    to: 4,
    reason: "load_high",
    instances: [2, 3],
    load: { outstanding: 22, instances: 2, per_instance: 11, target: 4 },
  });
  for (const instance of [2, 3]) {
    log.emit({ type: "service:state", service: "llm", instance, state: "pending", ...node });
    log.emit({ type: "service:state", service: "llm", instance, state: "launching", ...node });
    log.at(6_000 + instance).emit({ type: "service:state", service: "llm", instance, state: "ready", ...node });
  }
  log.at(9_000).emit({
    type: "service:scale",
    service: "llm",
    from: 4,
    to: 3,
    reason: "load_low",
    instances: [3],
    load: { outstanding: 2, instances: 4, per_instance: 0.5, target: 4 },
  });
  log.at(9_500).emit({ type: "service:state", service: "llm", instance: 3, state: "stopped", ...node });
  return log;
}

describe("autoscaled services on the dashboard", () => {
  it("reads the range from the session's copy of the workload", () => {
    expect(scaleRanges(WORKLOAD)).toEqual({ llm: { min: 1, max: 8 } });
    expect(scaleRanges("not: [valid")).toEqual({});
  });

  it("shows ready/target, the range and the last decision; drained instances get no glyph", async () => {
    const app = renderDashboard(scaledSession().events);
    const frame = await frameWhere(app, (f) => f.includes("(1..8)"));
    expect(frame).toMatch(/NAME\s+READY SCALE\s+INST\s+GPUS/);
    expect(frame).toMatch(/▸ llm\s+3\/3\s+\(1\.\.8\) ↓low\s+●●● /);
    // A fixed service in the same table: no scale cell, its count as before.
    expect(frame).toMatch(/ embed\s+1\/1\s+●\s+2\s/);
    expect(frame).toContain("Services 4/4 ready");
    for (const line of lines(frame)) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it("names the reason in full on a wide terminal, and counts a scale-up not yet ready", async () => {
    const log = scaledSession();
    log.at(10_000).emit({
      type: "service:scale",
      service: "llm",
      from: 3,
      to: 5,
      reason: "load_high",
      instances: [4, 5],
      load: { outstanding: 30, instances: 3, per_instance: 10, target: 4 },
    });
    const app = renderDashboard(log.events, { size: { columns: 120, rows: 30 } });
    const frame = await frameWhere(app, (f) => f.includes("(1..8)"));
    expect(frame).toMatch(/▸ llm\s+3\/5\s+\(1\.\.8\) ↑ load_high\s+●●● /);
  });

  it("without the workload copy, a service that scaled still shows its decision", () => {
    const log = scaledSession();
    const start = log.events[0];
    if (start?.type === "session:start") start.session_dir = "/nonexistent/session";
    const frame = renderDashboard(log.events).lastFrame() ?? "";
    expect(frame).toMatch(/▸ llm\s+3\/3\s+↓low\s+●●● /);
  });

  it("takes the range from the decisions themselves, and drops it once flotilla scale took the service over", async () => {
    const log = scaledSession();
    const start = log.events[0];
    if (start?.type === "session:start") start.session_dir = "/nonexistent/session";
    log.at(10_000).emit({
      type: "service:scale",
      service: "llm",
      from: 3,
      to: 2,
      reason: "load_low",
      instances: [2],
      load: { outstanding: 1, instances: 3, per_instance: 0.33, target: 4 },
      min: 2,
      max: 6,
    });
    const ranged = renderDashboard(log.events);
    expect(await frameWhere(ranged, (f) => f.includes("(2..6)"))).toMatch(/▸ llm\s+\d\/2\s+\(2\.\.6\) ↓low/);
    cleanup();
    log.at(11_000).emit({
      type: "service:scale",
      service: "llm",
      from: 2,
      to: 5,
      reason: "manual",
      instances: [4, 5, 6],
      load: { outstanding: 0, instances: 2, per_instance: 0, target: 4 },
    });
    const manual = renderDashboard(log.events).lastFrame() ?? "";
    expect(manual).toMatch(/▸ llm\s+\d\/5\s+↑/);
    expect(manual).not.toContain("(2..6)");
  });

  it("the detail lists the decisions: time, from → to, reason, load per instance against the target, held back", async () => {
    const log = scaledSession();
    log.at(12_000).emit({
      type: "service:scale",
      service: "llm",
      from: 3,
      to: 4,
      reason: "load_high",
      instances: [4],
      load: { outstanding: 26, instances: 3, per_instance: 8.7, target: 4 },
      held_back: "1 of 3 wanted: no free GPU",
    });
    const app = renderDashboard(log.events, { size: { columns: 120, rows: 30 } });
    await frameWhere(app, (f) => f.includes("(1..8)"));
    await press(app, KEY.enter);
    const detail = await frameWhere(app, (f) => f.includes("Service llm"));
    expect(detail).toContain("autoscale 1..8");
    expect(detail).toContain("scale decisions");
    expect(detail).toContain("09:30:05  2 → 4  ↑ load_high  11.0/instance vs target 4 (22 on 2)");
    expect(detail).toContain("09:30:09  4 → 3  ↓ load_low  0.5/instance vs target 4 (2 on 4)");
    expect(detail).toContain(
      "09:30:12  3 → 4  ↑ load_high  8.7/instance vs target 4 (26 on 3)  held back: 1 of 3 wanted: no free GPU",
    );
    // The drained instance is still listed in the detail, as stopped.
    expect(detail).toMatch(/ 3\s+○ stopped/);
  });

  it("an instance being drained is out of the ready count, with a glyph of its own until it stops", async () => {
    const log = scaledSession();
    log.at(11_000).emit({
      type: "service:scale",
      service: "llm",
      from: 3,
      to: 2,
      reason: "load_low",
      instances: [2],
      load: { outstanding: 1, instances: 3, per_instance: 0.3, target: 4 },
    });
    const app = renderDashboard(log.events);
    expect(await frameWhere(app, (f) => f.includes("(1..8)"))).toMatch(/▸ llm\s+2\/2\s+\(1\.\.8\) ↓low\s+●●◌ /);
    await press(app, KEY.enter);
    expect(await frameWhere(app, (f) => f.includes("Service llm"))).toMatch(/ 2\s+◌ draining\s+node0/);
    await press(app, KEY.escape, "?");
    expect(await frameWhere(app, (f) => f.includes("Keys"))).toContain("◌ draining: an autoscaled instance");
    // Once it stops it leaves the row; the index may come back later as a new instance.
    log.at(11_500).emit({ type: "service:state", service: "llm", instance: 2, state: "stopped", ...node });
    log.at(12_000).emit({ type: "service:state", service: "llm", instance: 2, state: "ready", ...node });
    cleanup();
    const again = renderDashboard(log.events);
    expect(await frameWhere(again, (f) => f.includes("(1..8)"))).toMatch(/▸ llm\s+3\/2\s+\(1\.\.8\) ↓low\s+●●● /);
  });

  it("the reducer keeps the newest decisions, bounded, and counts them all", () => {
    const log = scaledSession();
    for (let i = 0; i < SCALE_LIMIT + 10; i += 1)
      log.emit({
        type: "service:scale",
        service: "llm",
        from: 3,
        to: 3 + (i % 2),
        reason: "manual",
        load: { outstanding: i, instances: 3, per_instance: i / 3, target: 4 },
      });
    const state = replay(log.events);
    expect(state.services.find((s) => s.name === "llm")?.scale?.count).toBe(SCALE_LIMIT + 12);
    const kept = state.scaleDecisions?.llm ?? [];
    expect(kept).toHaveLength(SCALE_LIMIT);
    expect(kept.at(-1)?.load.outstanding).toBe(SCALE_LIMIT + 9);
    expect(kept[0]?.load.outstanding).toBe(10);
  });
});
