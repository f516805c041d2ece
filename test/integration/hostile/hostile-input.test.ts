/**
 * The hostile-input corpus through the CLI (the built binary when it is up to
 * date): each case ends with its exit code and located message, in bounded
 * time and memory, and never echoes the file's content back.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { suiteTempDir } from "../../helpers/tmp.js";
import { CASES } from "./cases.js";
import { generateHostile } from "./generate.js";
import { measure } from "./measure.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/workloads/hostile/", import.meta.url));
/** Generous: a case takes well under a second to a few seconds; quadratic validation of 100,000 tasks takes minutes. */
const MAX_MS = 20_000;
const MAX_MB = 500;

describe("hostile workload input", () => {
  const generated = suiteTempDir("flotilla-hostile-");
  beforeAll(() => generateHostile(generated.path));
  afterAll(() => generated.remove());

  for (const c of CASES) {
    it(c.name, async () => {
      const cwd = c.cwd === "fixtures" ? FIXTURES : generated.path;
      const result = await measure(c.args, cwd, MAX_MS + 5_000);
      const report = `exit ${result.code} (${result.signal ?? "no signal"}) in ${Math.round(result.ms)} ms, ${result.peakMb?.toFixed(0) ?? "?"} MB; stderr: ${result.stderr.slice(0, 2_000)}`;
      expect(result.code, report).toBe(c.code);
      if (c.stderr) expect(result.stderr, report).toMatch(c.stderr);
      if (c.stdout) expect(result.stdout, report).toMatch(c.stdout);
      // No stack traces, no internal errors, no megabytes of echoed input.
      expect(result.stderr).not.toMatch(/internal error| {4}at /);
      // At most 100 listed problems of a line each.
      expect(result.stderr.length).toBeLessThan(30_000);
      if (c.notEchoed) expect(result.stderr).not.toContain(c.notEchoed);
      expect(result.ms, report).toBeLessThan(MAX_MS);
      if (result.peakMb !== undefined) expect(result.peakMb, report).toBeLessThanOrEqual(MAX_MB);
    });
  }
});
