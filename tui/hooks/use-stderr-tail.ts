import { open } from "node:fs/promises";
import { useEffect, useState } from "react";

const TAIL_BYTES = 8_192;

/** Last `lines` lines of a file that may still grow, re-read every `intervalMs`; [] while absent. */
export async function readTail(file: string, lines: number): Promise<string[]> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return [];
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

export function useFileTail(file: string | undefined, lines: number, intervalMs = 500): string[] {
  const [tail, setTail] = useState<string[]>([]);
  useEffect(() => {
    if (!file) {
      setTail([]);
      return;
    }
    let live = true;
    const load = () =>
      readTail(file, lines).then(
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
  }, [file, lines, intervalMs]);
  return tail;
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, index) => line === b[index]);
}
