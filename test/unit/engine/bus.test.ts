import { describe, expect, it } from "vitest";
import { EventBus } from "../../../engine/bus.js";
import type { EngineEvent } from "../../../engine/events.js";

const log = (message: string) => ({ type: "log", level: "info", message }) as const;

describe("EventBus", () => {
  it("stamps v, seq from 1 strictly increasing, and ts", () => {
    let clock = 1000;
    const bus = new EventBus({ now: () => clock++ });
    const a = bus.emit(log("a"));
    const b = bus.emit(log("b"));
    expect(a).toMatchObject({ v: 1, seq: 1, ts: 1000, type: "log", message: "a" });
    expect(b).toMatchObject({ v: 1, seq: 2, ts: 1001 });
    expect(bus.lastSeq).toBe(2);
  });

  it("delivers synchronously, in order, and stops after unsubscribe", () => {
    const bus = new EventBus();
    const seen: number[] = [];
    const unsubscribe = bus.subscribe((event) => seen.push(event.seq));
    bus.emit(log("a"));
    expect(seen).toEqual([1]);
    bus.emit(log("b"));
    unsubscribe();
    bus.emit(log("c"));
    expect(seen).toEqual([1, 2]);
  });

  it("keeps going when a listener throws", () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onListenerError: (error) => errors.push(error) });
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error("broken sink");
    });
    bus.subscribe((event) => seen.push(event.type));
    bus.emit(log("a"));
    expect(seen).toEqual(["log"]);
    expect(errors).toHaveLength(1);
  });

  it("folds a snapshot that changes identity on every event (useSyncExternalStore)", () => {
    const bus = new EventBus();
    const before = bus.getSnapshot();
    bus.emit({ type: "task:state", task: "t", id: "t.0", state: "pending" });
    const after = bus.getSnapshot();
    expect(after).not.toBe(before);
    expect(after.tasks["t.0"]?.state).toBe("pending");
    expect(after.lastSeq).toBe(1);
  });

  it("events() yields everything emitted after the call, even before the first next(), and ends on close", async () => {
    const bus = new EventBus();
    bus.emit(log("before"));
    const iterator = bus.events();
    bus.emit(log("one"));
    bus.emit(log("two"));
    setTimeout(() => {
      bus.emit(log("three"));
      bus.close();
    }, 20);
    const seen: EngineEvent[] = [];
    for await (const event of iterator) seen.push(event);
    expect(seen.map((event) => (event.type === "log" ? event.message : ""))).toEqual(["one", "two", "three"]);
    // Late events still reach listeners, not the ended iterator.
    const late: number[] = [];
    bus.subscribe((event) => late.push(event.seq));
    bus.emit(log("late"));
    expect(late).toEqual([5]);
  });

  it("breaking out of events() unsubscribes", async () => {
    const bus = new EventBus();
    const iterator = bus.events();
    bus.emit(log("one"));
    for await (const _event of iterator) break;
    const seen: number[] = [];
    bus.subscribe((event) => seen.push(event.seq));
    bus.emit(log("two"));
    expect(seen).toEqual([2]);
  });
});
