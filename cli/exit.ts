/**
 * How the process ends once a command is done. Node exits when its event
 * loop is empty; a command that ends a session (`run`) must not wait on
 * whatever may be left there (a timer, a socket, a child's pipe: once one
 * kept a finished run alive for a minute). Such a command asks for a bounded
 * exit: its output is flushed, the loop gets EXIT_GRACE_MS to empty as
 * usual, and then the process exits with its code regardless.
 */

/** Long enough for a closing pipe or a last file write; short enough that a leak costs no one a wait. */
export const EXIT_GRACE_MS = 2_000;

let bounded = false;

/** Called by a command whose work, when it returns, is complete and recorded. */
export function exitPromptlyWhenDone(): void {
  bounded = true;
}

/** What keeps the event loop alive, by kind ("Timeout", "PipeWrap", "TCPSocketWrap", …). */
export function openHandles(): string[] {
  return process.getActiveResourcesInfo();
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write("", () => resolve());
  });
}

/**
 * Ends the process with `code`. After a command that asked for a bounded
 * exit, an unreferenced timer ends it EXIT_GRACE_MS later if the loop has
 * not emptied by then; with FLOTILLA_REPORT_HANDLES=1 it first says on
 * stderr what was still open, one line (the tests fail on it: a leak).
 */
export async function finish(code: number): Promise<void> {
  process.exitCode = code;
  if (!bounded) return;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  const timer = setTimeout(() => {
    if (process.env.FLOTILLA_REPORT_HANDLES === "1") {
      process.stderr.write(`flotilla: still open ${EXIT_GRACE_MS} ms after the end: ${openHandles().join(", ")}\n`);
    }
    process.exit(code);
  }, EXIT_GRACE_MS);
  // Not a reason to stay: when the loop empties first, Node exits as usual.
  timer.unref();
}
