import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import type { LaunchSpec } from "../platform/types.js";
import { LineSplitter } from "./lines.js";

/** A process's output: appended to its log files and split into lines. */

export function openLog(path: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: "a" });
}

export function closeLog(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.end(() => resolve());
    stream.once("error", () => resolve());
  });
}

/** Copies a child's stream into its log file and line splitter; resolves at end of stream. */
export function pump(source: Readable, sink: WriteStream, onLine: (line: string) => void): Promise<void> {
  const splitter = new LineSplitter(onLine);
  let sinkBroken = false;
  sink.once("error", () => {
    // Disk full or the like: keep reading lines (probes and tails need them) but stop writing.
    sinkBroken = true;
    source.resume();
  });
  return new Promise((resolve) => {
    source.on("data", (chunk: Buffer) => {
      splitter.push(chunk);
      // Respect the file's backpressure so a chatty process cannot fill our memory.
      if (!sinkBroken && !sink.write(chunk)) {
        source.pause();
        sink.once("drain", () => source.resume());
      }
    });
    const done = (): void => {
      splitter.flush();
      resolve();
    };
    source.once("end", done);
    source.once("error", done);
    source.once("close", done);
  });
}

/** A throwing `onLine` must not break the output pipeline. */
export function safeLineHandler(onLine: LaunchSpec["onLine"]): (stream: "stdout" | "stderr", line: string) => void {
  return (stream, line) => {
    try {
      onLine?.(stream, line);
    } catch {
      // The consumer's bug; the process and its logs carry on.
    }
  };
}
