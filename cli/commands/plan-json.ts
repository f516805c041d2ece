/**
 * Writes a plan as one JSON line, a slice of each long list at a time: one
 * JSON.stringify of a million planned tasks would hold a 70 MB string and its
 * pieces at once. The bytes are the same as JSON.stringify(value).
 */

/** Items stringified per write. */
const CHUNK = 10_000;

export function writeJsonLine(write: (text: string) => void, value: Record<string, unknown>): void {
  write("{");
  let first = true;
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    write(`${first ? "" : ","}${JSON.stringify(key)}:`);
    first = false;
    if (!Array.isArray(field)) {
      write(JSON.stringify(field));
      continue;
    }
    write("[");
    // Bounded: CHUNK items per turn over a finite list.
    for (let i = 0; i < field.length; i += CHUNK) {
      const slice = JSON.stringify(field.slice(i, i + CHUNK));
      write(`${i === 0 ? "" : ","}${slice.slice(1, -1)}`);
    }
    write("]");
  }
  write("}\n");
}
