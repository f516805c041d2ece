import type { WriteStream } from "node:fs";
import type { Readable } from "node:stream";
import type { LaunchSpec } from "../launch/types.js";
import { createPrivateWriteStream } from "../session/private-fs.js";
import { reportWriteFailure } from "../session/write-errors.js";
import { LineSplitter } from "./lines.js";

/** A process's output: appended to its log files (0600) and split into lines. */

/**
 * Opens a log file for appending. A file that cannot be opened throws the
 * reported write failure; a later write error is reported once, through
 * `onError` as well, and never surfaces as an unhandled 'error' event.
 */
export function openLog(path: string, onError: (message: string) => void = () => {}): WriteStream {
  let stream: WriteStream;
  try {
    stream = createPrivateWriteStream(path, "a");
  } catch (error) {
    throw reportWriteFailure(path, error);
  }
  stream.once("error", (error) => onError(reportWriteFailure(path, error).message));
  // A stream errors once; anything after that (a write racing the destroy) is the same failure.
  stream.on("error", () => {});
  return stream;
}

export function closeLog(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed) {
      resolve();
      return;
    }
    stream.end(() => resolve());
    stream.once("error", () => resolve());
    stream.once("close", () => resolve());
  });
}

/**
 * Copies a child's stream into its log file and, when someone wants its
 * lines, its line splitter; resolves at end of stream. Without `onLine` the
 * bytes are only written (an archive streamed to a file is not decoded).
 */
export function pump(source: Readable, sink: WriteStream, onLine?: (line: string) => void): Promise<void> {
  const splitter = onLine === undefined ? undefined : new LineSplitter(onLine);
  let sinkBroken = false;
  sink.once("error", () => {
    // Disk full or the like: keep reading lines (probes and tails need them) but stop writing.
    sinkBroken = true;
    source.resume();
  });
  return new Promise((resolve) => {
    source.on("data", (chunk: Buffer) => {
      splitter?.push(chunk);
      // Respect the file's backpressure so a chatty process cannot fill our memory.
      if (!sinkBroken && !sink.destroyed && !sink.write(chunk)) {
        source.pause();
        sink.once("drain", () => source.resume());
      }
    });
    const done = (): void => {
      splitter?.flush();
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
