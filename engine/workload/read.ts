/**
 * Reads a workload file without trusting what the path names: a FIFO would
 * block forever, /dev/zero never ends, a huge file exhausts memory. So: stat
 * first, open without blocking, check again on the open descriptor (the path
 * may have changed in between), and read at most LIMITS.fileBytes + 1 bytes.
 */
import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import { errorMessage, FlotillaError } from "../errors.js";
import { grouped, LIMITS } from "./limits.js";

function unreadable(path: string, why: string, cause?: unknown): FlotillaError {
  return new FlotillaError("WORKLOAD_UNREADABLE", `cannot read workload ${path}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { file: path },
  });
}

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isFile(): boolean }): string {
  if (s.isDirectory()) return "is a directory";
  if (s.isFIFO()) return "is a named pipe (FIFO), not a regular file";
  if (s.isSocket()) return "is a socket, not a regular file";
  return s.isFile() ? "" : "is a device, not a regular file";
}

const tooBig = (size: number) =>
  `is ${grouped(size)} bytes; a workload file may have at most ${grouped(LIMITS.fileBytes)} bytes`;

/** The file's bytes, decoded as UTF-8. Throws WORKLOAD_UNREADABLE (exit 2) for anything else. */
export async function readWorkloadFile(path: string): Promise<string> {
  let before: Awaited<ReturnType<typeof stat>>;
  try {
    before = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw unreadable(path, code === "ENOENT" ? "no such file" : errorMessage(error), error);
  }
  const kind = kindOf(before);
  if (kind !== "") throw unreadable(path, kind);
  if (before.size > LIMITS.fileBytes) throw unreadable(path, tooBig(before.size));

  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: if the path became a FIFO after the stat, open must not wait for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(path, errorMessage(error), error);
  }
  try {
    const now = await handle.stat();
    const changed = kindOf(now);
    if (changed !== "") throw unreadable(path, changed);
    const buffer = Buffer.alloc(LIMITS.fileBytes + 1);
    let length = 0;
    // Bounded: each read either adds bytes or ends the loop, and the buffer is finite.
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > LIMITS.fileBytes) throw unreadable(path, tooBig(length));
    return decode(path, buffer.subarray(0, length));
  } catch (error) {
    if (error instanceof FlotillaError) throw error;
    throw unreadable(path, errorMessage(error), error);
  } finally {
    await handle.close();
  }
}

/** Strict UTF-8 without NUL bytes: anything else is not a workload, and its bytes are not worth echoing. */
function decode(path: string, bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(nul < 0 ? bytes : bytes.subarray(0, nul));
  } catch (error) {
    throw unreadable(path, "is not UTF-8 text (a binary file?)", error);
  }
  if (nul >= 0) {
    const line = text.split("\n").length;
    throw unreadable(path, `is not a text file: a NUL byte at line ${line} (a binary file?)`);
  }
  return text;
}
