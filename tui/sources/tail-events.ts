/**
 * Follows a growing events.jsonl by polling: fs.watch misses changes on NFS
 * and other shared filesystems where batch jobs write their session dirs.
 * Only complete lines are parsed; a partial last line waits for its newline.
 */
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { EngineEvent } from "../../engine/events.js";
import { parseEventLine } from "./parse-event.js";

export interface TailOptions {
  signal?: AbortSignal;
  /** Poll interval while the file has nothing new. */
  intervalMs?: number;
  /** Stop after `session:end` (default true). */
  untilEnd?: boolean;
  /**
   * Asked whenever the file has nothing new: true ends the tail after one
   * last read (the writer is gone for good and no end will come).
   */
  stopWhen?: () => boolean;
}

const CHUNK = 1 << 16;

export async function* tailEvents(
  file: string,
  options: TailOptions = {},
): AsyncGenerator<EngineEvent, void, undefined> {
  const { signal, intervalMs = 100, untilEnd = true, stopWhen } = options;
  let lastPass = false;
  let offset = 0;
  let lineNumber = 0;
  let partial = "";
  const decoder = new TextDecoder();
  const buffer = Buffer.alloc(CHUNK);
  while (!signal?.aborted) {
    const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
      // The session may not have created its record yet: keep waiting.
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    let grew = false;
    if (handle) {
      try {
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
          if (bytesRead === 0) break;
          grew = true;
          offset += bytesRead;
          partial += decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
          const lines = partial.split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) {
            lineNumber += 1;
            if (line.trim() === "") continue;
            const event = parseEventLine(line, file, lineNumber);
            yield event;
            if (untilEnd && event.type === "session:end") return;
          }
        }
      } finally {
        await handle.close();
      }
    }
    if (grew) continue;
    if (lastPass) return;
    // One more read after the verdict: the last lines may have landed just now.
    if (stopWhen?.()) {
      lastPass = true;
      continue;
    }
    await sleep(intervalMs, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}
