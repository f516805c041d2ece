import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { finishedSession } from "../../bench/harness/tui-sessions.js";
import { EventBus } from "../../engine/bus.js";
import { replay } from "../../engine/state.js";
import { EventFold, throttleSource } from "../../tui/store.js";

describe("throttleSource", () => {
  it("coalesces a burst of engine events into a few redraws and ends on the latest snapshot", async () => {
    const bus = new EventBus();
    const throttled = throttleSource(bus, 50);
    let notified = 0;
    throttled.subscribe(() => notified++);
    const events = finishedSession().events;
    for (let round = 0; round < 50; round += 1)
      for (const { v: _v, seq: _s, ts: _t, ...body } of events) bus.emit(body);
    await sleep(120);
    expect(notified).toBeGreaterThanOrEqual(1);
    expect(notified).toBeLessThanOrEqual(3);
    expect(throttled.getSnapshot()).toBe(bus.getSnapshot());
    throttled.close();
  });

  it("keeps one snapshot between notifications, so a render never sees a half-applied burst", () => {
    const fold = new EventFold();
    const throttled = throttleSource(fold, 1_000);
    const before = throttled.getSnapshot();
    for (const event of finishedSession().events) fold.push(event);
    expect(throttled.getSnapshot()).toBe(before);
    throttled.close();
  });

  it("stops listening on close", async () => {
    const fold = new EventFold();
    const throttled = throttleSource(fold, 10);
    let notified = 0;
    throttled.subscribe(() => notified++);
    throttled.close();
    for (const event of finishedSession().events) fold.push(event);
    await sleep(40);
    expect(notified).toBe(0);
  });
});

describe("EventFold", () => {
  it("folds with the same reducer as replay", () => {
    const fold = new EventFold();
    const events = finishedSession().events;
    for (const event of events) fold.push(event);
    expect(fold.getSnapshot()).toEqual(replay(events));
  });
});

describe("throttleSource under expensive redraws", () => {
  it("stretches the interval when redraws are slow and comes back when they are fast", async () => {
    const fold = new EventFold();
    const throttled = throttleSource(fold, 20);
    const times: number[] = [];
    throttled.subscribe(() => times.push(Date.now()));
    const events = finishedSession().events;
    const pump = async (ms: number) => {
      const until = Date.now() + ms;
      let i = 0;
      while (Date.now() < until) {
        fold.push(events[i++ % events.length]!);
        await sleep(2);
      }
    };
    // Timers fire late on a busy machine, never early: so the slow phase is checked by the
    // shortest gap between redraws (a floor), the fast ones by one gap well under it.
    const shortestGap = () => Math.min(...times.slice(1).map((t, i) => t - (times[i] as number)));
    await pump(400);
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(shortestGap()).toBeLessThan(200);
    // Redraws whose output step costs 12 ms may run at most every 480 ms.
    for (let i = 0; i < 20; i += 1) throttled.reportRenderTime(12);
    times.length = 0;
    await pump(1_200);
    expect(times.length).toBeLessThanOrEqual(4);
    if (times.length >= 2) expect(shortestGap()).toBeGreaterThanOrEqual(400);
    for (let i = 0; i < 20; i += 1) throttled.reportRenderTime(0.5);
    times.length = 0;
    await pump(600);
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(shortestGap()).toBeLessThan(200);
    throttled.close();
  });
});
