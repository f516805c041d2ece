/**
 * vega and vega-lite stay out of the main bundle: they travel as their own
 * asset that only `flotilla report` evaluates, so no other command's
 * start-up pays for them (docs/build.md).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { bundle } from "../../../build/bundle.js";
import { REPO } from "../../helpers/cli.js";

it("bundles the CLI without vega", async () => {
  const dir = mkdtempSync(join(tmpdir(), "flotilla-bundle-"));
  try {
    const metafile = await bundle({
      entry: join(REPO, "cli", "main.ts"),
      outfile: join(dir, "f.cjs"),
      addonId: "test",
      minify: false,
    });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((path) => path.includes("cli/report/render.ts"))).toBe(true);
    expect(inputs.filter((path) => /node_modules\/vega/.test(path))).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
