import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readEndpointTokens } from "../../../../engine/request/dispatch/remote-tokens.js";
import { workloadSchema } from "../../../../engine/workload/schema.js";
import { tempDir } from "../../../helpers/tmp.js";

const services = (endpoints: unknown[]) =>
  workloadSchema.parse({ version: 1, services: [{ name: "s", endpoints }] }).services;

describe("remote endpoint tokens", () => {
  it("come from a file relative to the workload (trimmed) or from the environment", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "t"), "from-file\n");
    const tokens = readEndpointTokens(
      services(["http://a:1", { url: "http://b:1", token_file: "t" }, { url: "http://c:1", token_env: "K" }]),
      dir,
      { K: "from-env" },
    );
    expect([tokens("s", "http://a:1"), tokens("s", "http://b:1"), tokens("s", "http://c:1")]).toEqual([
      undefined,
      "from-file",
      "from-env",
    ]);
  });

  it("fail with the endpoint named when missing, unreadable, empty or not one word", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "blank"), "\n");
    const read =
      (endpoint: unknown, env: Record<string, string> = {}) =>
      () =>
        readEndpointTokens(services([endpoint]), dir, env);
    expect(read({ url: "http://a:1", token_env: "K" })).toThrow(
      "endpoint http://a:1 of service s: token_env K is not set",
    );
    expect(read({ url: "http://a:1", token_file: "nope" })).toThrow(/cannot read token_file .*nope/);
    expect(read({ url: "http://a:1", token_file: "blank" })).toThrow(/the token from blank is empty/);
    expect(read({ url: "http://a:1", token_env: "K" }, { K: "two words" })).toThrow(/not one word/);
  });

  it("are checked in the workload: one source, and only for HTTP endpoints", () => {
    const bad = (endpoint: unknown) =>
      workloadSchema.safeParse({ version: 1, services: [{ name: "s", endpoints: [endpoint] }] });
    expect(bad({ url: "http://a:1", token_env: "K", token_file: "f" }).error?.issues[0]?.message).toBe(
      "give token_file or token_env, not both",
    );
    expect(bad({ url: "tcp://a:1", token_env: "K" }).error?.issues[0]?.message).toBe(
      "a token is sent only to http:// and https:// endpoints",
    );
    expect(bad({ url: "http://a:1", token_env: "not a name" }).success).toBe(false);
  });
});
