/**
 * `flotilla run --json | head -5`, or a batch script that stops reading: the
 * reader of stdout goes away (EPIPE). A run holds an allocation and processes,
 * so losing its audience must not kill it: stdout is left alone from then on,
 * one note goes to stderr, and the run goes on. Nothing is lost: the session
 * directory's events.jsonl records every event whatever stdout does.
 */
export function keepRunningWhenReaderLeaves(out: NodeJS.WriteStream, err: NodeJS.WritableStream): void {
  let noted = false;
  out.on("error", (error: NodeJS.ErrnoException) => {
    if (noted) return;
    noted = true;
    const why = error.code === "EPIPE" ? "its reader went away" : `it failed (${error.message})`;
    err.write(
      `flotilla: stdout is no longer written because ${why}; the run goes on, every event is in events.jsonl\n`,
    );
  });
}
