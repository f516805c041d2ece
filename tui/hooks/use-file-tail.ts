import { open } from "node:fs/promises";
import { useEffect, useState } from "react";

const TAIL_BYTES = 8_192;

/** Last `lines` lines of a file that may still grow; undefined when it does not exist. */
export async function readTail(file: string, lines: number): Promise<string[] | undefined> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString("utf8").replace(/\n$/, "");
    const all = text === "" ? [] : text.split("\n");
    // A read from mid-file starts mid-line: drop that fragment.
    return (start > 0 ? all.slice(1) : all).slice(-lines);
  } finally {
    await handle.close();
  }
}

/** Tails the first of `files` that exists (re-checked each poll); [] when none does. */
export function useFileTail(files: readonly string[], lines: number, intervalMs = 500): string[] {
  const [tail, setTail] = useState<string[]>([]);
  const key = files.join("\0");
  useEffect(() => {
    const candidates = key === "" ? [] : key.split("\0");
    if (candidates.length === 0) {
      setTail([]);
      return;
    }
    let live = true;
    const load = () =>
      firstTail(candidates, lines).then(
        (next) => {
          if (live) setTail((previous) => (sameLines(previous, next) ? previous : next));
        },
        () => undefined,
      );
    void load();
    const timer = setInterval(load, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [key, lines, intervalMs]);
  return tail;
}

async function firstTail(files: string[], lines: number): Promise<string[]> {
  for (const file of files) {
    const tail = await readTail(file, lines);
    if (tail !== undefined) return tail;
  }
  return [];
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, index) => line === b[index]);
}
