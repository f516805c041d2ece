import { StringDecoder } from "node:string_decoder";

/**
 * A line longer than this is cut and delivered in pieces, so a process that
 * writes megabytes without a newline cannot grow our memory without bound.
 */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Splits a byte stream into lines. Accepts `\n` and `\r\n` endings; keeps a
 * partial last line until more bytes arrive or `flush()` is called. UTF-8
 * characters split across chunks are decoded correctly.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  readonly #onLine: (line: string) => void;
  #partial = "";

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer | string): void {
    const text = this.#partial + (typeof chunk === "string" ? chunk : this.#decoder.write(chunk));
    let start = 0;
    for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
      this.#emit(text.slice(start, end));
      start = end + 1;
    }
    let rest = text.slice(start);
    while (rest.length > MAX_LINE_CHARS) {
      this.#emit(rest.slice(0, MAX_LINE_CHARS));
      rest = rest.slice(MAX_LINE_CHARS);
    }
    this.#partial = rest;
  }

  /** Delivers whatever is left as a final line (the stream ended without a newline). */
  flush(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = "";
    if (rest.length > 0) this.#emit(rest);
  }

  #emit(line: string): void {
    this.#onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  }
}
