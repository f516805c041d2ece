/**
 * The process plumbing of `backend: stdio`. The backend's stdin and stdout
 * carry requests and replies, so the host's watch pipe (which takes the
 * backend's group down when the host dies: backend-process.ts) cannot be
 * stdin: the host passes requests on fd 3 and the watch pipe on stdin, and
 * this wrapper swaps them before it starts the backend.
 */
import type { ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";

/**
 * fd 5 keeps the requests while the backend starts: a background command of a
 * non-interactive shell gets /dev/null as stdin unless it is redirected explicitly.
 */
export const STDIO_WRAPPER = groupWrapper({ stdio: true });

/**
 * The sh wrapper a backend runs under (backend-process.ts): it starts the
 * backend in the background and watches fd 3, the host's pipe; when that
 * closes (the host died), it SIGTERMs the group, waits up to 5 s, then
 * SIGKILLs it. The watcher ignores TERM so it outlives the group's SIGTERM.
 * With `stdio`, the requests arrive on fd 3 and the watch pipe on stdin, and
 * are swapped first.
 */
export function groupWrapper(options: { stdio: boolean }): string {
  const start = options.stdio
    ? ["exec 5<&3 3<&0 0</dev/null", '"$@" 0<&5 5<&- 3<&- &', "child=$!", "exec 5<&-"]
    : ["exec 3<&0 0</dev/null", '"$@" 3<&- &', "child=$!"];
  return [
    ...start,
    "( trap '' TERM INT; read _ <&3; kill -TERM 0 2>/dev/null; i=0",
    '  while kill -0 "$child" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
    "  kill -KILL 0 2>/dev/null ) &",
    "watcher=$!",
    "exec 3<&-",
    'wait "$child"; status=$?',
    'kill -KILL "$watcher" 2>/dev/null',
    'exit "$status"',
  ].join("\n");
}

export interface StdioChannel {
  /** Becomes the backend's stdin. */
  input: Writable;
  /** The backend's stdout. */
  output: Readable;
}

export function channelStdio(child: ChildProcess): StdioChannel | undefined {
  const input = child.stdio[3];
  const output = child.stdout;
  if (input === undefined || input === null || output === null) return undefined;
  return { input: input as Writable, output };
}
