import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import { zeromqExportNames } from "../../../build/plugins/zeromq-lazy.js";

describe("the lazy zeromq shim", () => {
  it("re-exports every name zeromq exports, so no import of it is silently undefined", () => {
    const entry = createRequire(import.meta.url).resolve("zeromq");
    const names = zeromqExportNames(readFileSync(entry, "utf8"));
    expect(names).toEqual(
      Object.keys(zmq)
        .filter((name) => name !== "default" && name !== "__esModule")
        .sort(),
    );
    expect(names).toEqual(expect.arrayContaining(["Dealer", "Router", "Context", "curveKeyPair", "version"]));
  });
});
