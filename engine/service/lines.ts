/**
 * The output lines of one process, as the launcher reports them through
 * LaunchSpec.onLine. Keeps a bounded backlog (so a `log` probe that starts a
 * moment after the process still sees its first lines) and the stderr tail
 * that goes into a failure's `stderr_tail`.
 */

export type Stream = "stdout" | "stderr";
export type LineListener = (stream: Stream, line: string) => void;

export const STDERR_TAIL_LINES = 10;
const BACKLOG_LINES = 500;

export class OutputLines {
  private readonly backlogLines: Array<{ stream: Stream; line: string }> = [];
  private readonly stderrLines: string[] = [];
  private readonly listeners = new Set<LineListener>();

  /** Pass as LaunchSpec.onLine. */
  readonly push = (stream: Stream, line: string): void => {
    this.backlogLines.push({ stream, line });
    if (this.backlogLines.length > BACKLOG_LINES) this.backlogLines.shift();
    if (stream === "stderr") {
      this.stderrLines.push(line);
      if (this.stderrLines.length > STDERR_TAIL_LINES) this.stderrLines.shift();
    }
    for (const listener of [...this.listeners]) listener(stream, line);
  };

  /** Replays the backlog to `listener`, then every new line. Returns the unsubscribe function. */
  follow(listener: LineListener): () => void {
    for (const { stream, line } of [...this.backlogLines]) listener(stream, line);
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The last (up to 10) stderr lines. */
  stderrTail(): string[] {
    return [...this.stderrLines];
  }

  /** Forget the previous run's output (on restart). */
  clear(): void {
    this.backlogLines.length = 0;
    this.stderrLines.length = 0;
  }
}
