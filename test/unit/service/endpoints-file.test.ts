import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { EndpointRegistry } from "../../../engine/service/endpoints.js";
import { type EndpointsFile, startEndpointsFile } from "../../../engine/service/endpoints-file.js";
import { tempDir } from "../../helpers/tmp.js";

const read = (dir: string) => JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8")) as EndpointsFile;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
}

describe("endpoints.json", () => {
  it("lists every service from the start, follows the registry, and copies no key", async () => {
    const dir = tempDir();
    const registry = new EndpointRegistry();
    const file = startEndpointsFile({
      sessionDir: dir,
      sessionId: "s1",
      services: ["a", "b"],
      registry,
      serviceEnv: (service) =>
        service === "a"
          ? {
              FLOTILLA_SERVICE_A_HTTP: "http://127.0.0.1:1/services/a/v1",
              OPENAI_API_KEY: "the-token",
              FLOTILLA_FRONT_TOKEN_FILE: "/s/keys/front.token",
            }
          : {},
      minIntervalMs: 20,
    });
    expect(read(dir)).toMatchObject({
      v: 1,
      session_id: "s1",
      ended: false,
      services: { a: { instances: [] }, b: { instances: [] } },
    });
    expect(statSync(join(dir, "endpoints.json")).mode & 0o777).toBe(0o600);
    const keys = { serverKey: "S".repeat(40), publicKey: "P".repeat(40), secretKey: "SECRET".repeat(7) };
    // A burst, over several turns of the event loop: written once it settles.
    for (let i = 0; i < 30; i++) {
      registry.publish({
        service: "a",
        instance: i,
        node: "n",
        endpoint: `tcp://h:${i}`,
        zmq: `tcp://h:${i}`,
        keys,
        remote: false,
      });
      await sleep(1);
    }
    await until(() => read(dir).services.a?.instances.length === 30);
    const text = readFileSync(join(dir, "endpoints.json"), "utf8");
    expect(read(dir).services.a).toMatchObject({
      http: "http://127.0.0.1:1/services/a/v1",
      token_file: "/s/keys/front.token",
    });
    expect(text).not.toContain("SECRET");
    expect(text).not.toContain("the-token");
    registry.withdraw("a", 3);
    await until(() => read(dir).services.a?.instances.length === 29);
    expect(read(dir).services.a?.instances.map((i) => i.instance)).not.toContain(3);
    file.end();
    expect(read(dir)).toMatchObject({ ended: true, services: { a: { instances: [] }, b: { instances: [] } } });
    expect(read(dir).services.a?.http).toBeUndefined();
    // Nothing is written after the end.
    registry.publish({ service: "b", instance: 0, node: "n", endpoint: "tcp://h:9", remote: false });
    await sleep(50);
    expect(read(dir).services.b?.instances).toEqual([]);
  });
});
