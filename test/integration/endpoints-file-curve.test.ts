/**
 * endpoints.json for a service with a remote CURVE host: it names the keys
 * file tasks get (FLOTILLA_SERVICE_<NAME>_ZMQ_KEYS), never a key itself.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EndpointsFile } from "../../engine/index.js";
import { cliCommand, runCli } from "../helpers/cli.js";
import { startCurveServe } from "../helpers/host-process.js";
import { tempDir } from "../helpers/tmp.js";

describe("endpoints.json with CURVE endpoints", () => {
  it("names the keys file and holds no key", async () => {
    const { serve, port, serverKey, clientKeys, clientSecretKey } = await startCurveServe("echo");
    try {
      const dir = tempDir("flotilla-endpoints-");
      writeFileSync(
        join(dir, "w.yaml"),
        `version: 1
services:
  - name: echo
    backend: noop
    endpoints:
      - url: "tcp://127.0.0.1:${port}"
        server_key: "${serverKey}"
        client_keys: ${JSON.stringify(clientKeys)}
tasks:
  - name: look
    uses: [echo]
    command: ["sh", "-c", ${JSON.stringify(`echo "$FLOTILLA_SERVICE_ECHO_ZMQ_KEYS"; ${cliCommand().join(" ")} endpoints --json`)}]
`,
      );
      const session = join(dir, "session");
      const result = await runCli(["run", "w.yaml", "--cores", "2", "--session-dir", session], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      const [keysFile, json] = readFileSync(join(session, "logs", "look.out"), "utf8")
        .trim()
        .split("\n");
      const seen = JSON.parse(json ?? "") as EndpointsFile;
      const echo = seen.services.echo;
      expect(echo?.zmq_keys_file).toBe(keysFile);
      expect(echo?.instances).toEqual([
        {
          instance: 0,
          node: "remote",
          endpoint: `tcp://127.0.0.1:${port}`,
          zmq: `tcp://127.0.0.1:${port}`,
          remote: true,
        },
      ]);
      // The keys file holds the client's secret key; endpoints.json only its path.
      expect(readFileSync(keysFile ?? "", "utf8")).toContain(clientSecretKey);
      expect(json).not.toContain(clientSecretKey);
      expect(readFileSync(join(session, "endpoints.json"), "utf8")).not.toContain(clientSecretKey);
    } finally {
      await serve.kill();
    }
  });
});
