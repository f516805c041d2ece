/**
 * Glob patterns of `inputs:` and `outputs:`: `*` and `?` within one path
 * segment, `[abc]` / `[a-z]` / `[!abc]` classes, and `**` as a whole segment
 * for any number of directories (none included). Matching is over
 * slash-separated relative paths; names starting with a dot are matched only
 * by a pattern segment that starts with a dot, as in a shell.
 */

const SPECIAL = /[*?[]/;

/** Whether `pattern` has anything a glob would expand (else it names one path). */
export function isGlob(pattern: string): boolean {
  return SPECIAL.test(pattern);
}

/**
 * Splits a pattern into its literal leading directories and the rest:
 * `data/raw/*.csv` → `{ base: "data/raw", rest: "*.csv" }`. The walk starts
 * at `base`, so a glob never lists more of the tree than it has to.
 */
export function splitGlob(pattern: string): { base: string; rest: string } {
  const segments = pattern.split("/");
  const first = segments.findIndex((segment) => isGlob(segment));
  if (first < 0) return { base: pattern, rest: "" };
  const base = segments.slice(0, first).join("/");
  return { base: base === "" && pattern.startsWith("/") ? "/" : base, rest: segments.slice(first).join("/") };
}

/**
 * A matcher for relative paths (`a/b/c.txt`, no leading `./`). Each segment
 * becomes `/segment`, matched against `/` + the path, so `**` can stand for
 * zero or more whole segments without special cases at either end.
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  const source = pattern
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .map((segment) => (segment === "**" ? "(?:/(?!\\.)[^/]+)*" : `/${segmentSource(segment)}`))
    .join("");
  const regex = new RegExp(`^${source}$`);
  return (path) => regex.test(`/${path}`);
}

/** One segment: `*` and `?` stay within it; a leading dot must be written. */
function segmentSource(segment: string): string {
  let out = segment.startsWith(".") ? "" : "(?!\\.)";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let inner = segment.slice(i + 1, close);
      const negate = inner.startsWith("!") || inner.startsWith("^");
      if (negate) inner = inner.slice(1);
      out += `[${negate ? "^/" : ""}${inner.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return out;
}
