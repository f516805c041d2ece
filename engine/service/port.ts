import { createServer } from "node:net";

/**
 * A TCP port that is free on `host` right now: the kernel picks one for a
 * throwaway listener, which is closed before the port is handed out. Another
 * process could take it in between; the kernel's ephemeral-port rotation makes
 * that rare, and an instance that cannot bind fails its probe visibly.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`no free port on ${host}`))));
    });
  });
}
