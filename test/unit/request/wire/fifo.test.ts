import { describe, expect, it } from "vitest";
import { Fifo } from "../../../../engine/request/wire/fifo.js";

describe("Fifo", () => {
  it("keeps order across compaction, and drains what is left", () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 3_000; i++) fifo.push(i);
    for (let i = 0; i < 2_000; i++) expect(fifo.shift()).toBe(i);
    expect(fifo.length).toBe(1_000);
    fifo.push(3_000);
    expect(fifo.drain()).toEqual(Array.from({ length: 1_001 }, (_, i) => 2_000 + i));
    expect(fifo.shift()).toBeUndefined();
  });

  it("removes the oldest match from anywhere in the queue, after items already taken", () => {
    const fifo = new Fifo<{ id: number }>();
    for (const id of [1, 2, 3, 2, 4]) fifo.push({ id });
    expect(fifo.shift()).toEqual({ id: 1 });
    expect(fifo.removeFirst((item) => item.id === 2)).toEqual({ id: 2 });
    expect(fifo.removeFirst((item) => item.id === 9)).toBeUndefined();
    expect(fifo.length).toBe(3);
    expect(fifo.drain().map((item) => item.id)).toEqual([3, 2, 4]);
  });
});
