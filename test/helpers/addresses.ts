import { tmpdir } from "node:os";
import { join } from "node:path";

/** ZeroMQ transports the request path is tested over. */
export const TRANSPORTS = ["tcp", "ipc", "inproc"] as const;
export type Transport = (typeof TRANSPORTS)[number];

let counter = 0;

/**
 * A ZeroMQ address no other test uses: tcp lets the kernel pick the port
 * (bind `tcp://127.0.0.1:*`, read the real one back from the socket), ipc
 * and inproc get a name unique to this process and call. inproc only
 * reaches sockets in the same process.
 */
export function uniqueAddress(transport: Transport): string {
  counter++;
  switch (transport) {
    case "tcp":
      return "tcp://127.0.0.1:*";
    case "ipc":
      return `ipc://${join(tmpdir(), `flotilla-test-${process.pid}-${counter}.sock`)}`;
    case "inproc":
      return `inproc://flotilla-test-${process.pid}-${counter}`;
  }
}
