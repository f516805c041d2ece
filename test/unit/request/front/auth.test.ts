import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bearerMatches, createFrontToken, isLoopback, openaiClientEnv } from "../../../../engine/request/front/auth.js";
import { taskEnvironment } from "../../../../engine/run/task-env.js";
import { expandTasks } from "../../../../engine/workload/expand.js";
import { workloadSchema } from "../../../../engine/workload/schema.js";
import { tempDir } from "../../../helpers/tmp.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("the front's token", () => {
  it("is 32 random url-safe bytes in keys/front.token, 0600 in a 0700 directory, whatever was there", () => {
    const session = tempDir();
    // Another part of the run may have made keys/ already, with a wider mode.
    mkdirSync(join(session, "keys"), { mode: 0o755 });
    chmodSync(join(session, "keys"), 0o755);
    writeFileSync(join(session, "keys", "front.token"), "old", { mode: 0o644 });
    const { token, file } = createFrontToken(session);
    expect(file).toBe(join(session, "keys", "front.token"));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(file, "utf8")).toBe(token);
    expect(mode(file)).toBe(0o600);
    expect(mode(join(session, "keys"))).toBe(0o700);
    expect(createFrontToken(session).token).not.toBe(token);
  });

  it("matches only `Bearer <token>` exactly", () => {
    expect(bearerMatches("Bearer abc", "abc")).toBe(true);
    expect(bearerMatches("bearer  abc", "abc")).toBe(true);
    for (const header of [undefined, "", "abc", "Bearer", "Bearer ", "Bearer ab", "Bearer abcd", "Basic abc"]) {
      expect(bearerMatches(header, "abc"), String(header)).toBe(false);
    }
  });

  it("knows loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) {
      expect(isLoopback(host), host).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "example.org", "128.0.0.1"]) {
      expect(isLoopback(host), host).toBe(false);
    }
  });
});

describe("the OpenAI client variables in a task's env", () => {
  const token = { token: "t0k", file: "/s/keys/front.token" };
  const front = (service: string) => openaiClientEnv(`http://127.0.0.1:1/services/${service}/v1`, token);
  const envOf = (task: Record<string, unknown>) => {
    const workload = workloadSchema.parse({ version: 1, tasks: [{ name: "t", command: ["x"], ...task }] });
    const unit = expandTasks(workload)[0]!;
    return taskEnvironment(unit, { host: "h", gpu_ids: [], instance: 0 }, { urls: () => [], serviceEnv: front });
  };

  it("name the first service the task uses, with the token", () => {
    expect(envOf({ uses: ["a", "b"] })).toMatchObject({
      OPENAI_BASE_URL: "http://127.0.0.1:1/services/a/v1",
      OPENAI_API_KEY: "t0k",
      FLOTILLA_FRONT_TOKEN_FILE: "/s/keys/front.token",
    });
  });

  it("are left out when the task names its own server, so the token never goes elsewhere", () => {
    const env = envOf({ uses: ["a"], env: { OPENAI_BASE_URL: "https://elsewhere.example/v1" } });
    expect(env.OPENAI_BASE_URL).toBe("https://elsewhere.example/v1");
    expect(env.OPENAI_API_KEY).toBeUndefined();
    expect(env.FLOTILLA_FRONT_TOKEN_FILE).toBeUndefined();
  });

  it("are absent for a task that uses no service", () => {
    expect(Object.keys(envOf({})).filter((key) => key.startsWith("OPENAI_"))).toEqual([]);
  });
});
