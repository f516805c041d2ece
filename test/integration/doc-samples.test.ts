/**
 * The output samples in the docs come from real runs: every documented
 * `$ flotilla …` command that works on the shipped examples is run, and its
 * output must have the documented shape. Shape, not text: numbers, times,
 * ports, session paths and the node's name differ from run to run, and lines
 * that concurrent work prints in either order may come in either order. A
 * `…` line in a sample stands for lines left out.
 */
import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

interface Sample {
  doc: string;
  args: string[];
  lines: string[];
}

/** Every `$ flotilla ARGS` in a fenced block of the docs, with the lines printed under it. */
function samples(): Sample[] {
  const docs = [join(REPO, "README.md"), ...readdirSync(join(REPO, "docs")).map((f) => join(REPO, "docs", f))];
  const found: Sample[] = [];
  for (const file of docs.filter((f) => f.endsWith(".md"))) {
    const blocks = readFileSync(file, "utf8")
      .split(/^```[a-z]*\n/m)
      .filter((_, i) => i % 2 === 1);
    for (const block of blocks) {
      let current: Sample | undefined;
      for (const line of block.split("\n")) {
        if (line.startsWith("$ ")) {
          current = undefined;
          // Only commands on the shipped examples can be run here as written.
          if (!line.startsWith("$ flotilla ") || !line.includes("examples/") || /[;|&<>$']/.test(line.slice(2)))
            continue;
          current = {
            doc: file.slice(REPO.length + 1),
            args: line.slice("$ flotilla ".length).split(/\s+/),
            lines: [],
          };
          found.push(current);
        } else if (current && line !== "") current.lines.push(line);
      }
    }
  }
  return found;
}

/** What stays the same between runs. `node` is this machine's node name, written `laptop` in the docs. */
function shape(line: string, node?: string): string {
  let out = line.replace(/\S*flotilla-sessions\/\S*/g, "SESSION");
  if (node !== undefined) out = out.replaceAll(` ${node} `, " laptop ");
  return out
    .replace(/\d+(\.\d+)?(ms|s)\b/g, "T")
    .replace(/\d+(\.\d+)?/g, "0")
    .trimEnd();
}

const SAMPLES = samples();

describe("doc samples match real output", () => {
  it("finds the samples (the quickstart run, validate and plan at least)", () => {
    const commands = SAMPLES.map((s) => s.args[0]);
    expect(commands).toEqual(expect.arrayContaining(["run", "validate", "plan"]));
  });

  for (const sample of SAMPLES) {
    it(`${sample.doc}: flotilla ${sample.args.join(" ")}`, async () => {
      const dir = tempDir("flotilla-doc-");
      cpSync(join(REPO, "examples"), join(dir, "examples"), { recursive: true });
      const result = await runCli(sample.args, { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      const real = result.stdout.trimEnd().split("\n");
      const node = /^allocation active: (\S+) /m.exec(result.stdout)?.[1];
      const left = real.map((line) => shape(line, node));
      const gaps = sample.lines.includes("…");
      const documented = sample.lines.filter((line) => line !== "…").map((line) => shape(line));
      // Every documented line is printed (each by its own line of output)…
      for (const line of documented) {
        const at = left.indexOf(line);
        expect(at, `documented line not printed:\n  ${line}\noutput:\n${result.stdout}`).toBeGreaterThanOrEqual(0);
        left.splice(at, 1);
      }
      // …and, unless the sample says it leaves lines out, nothing else is.
      if (!gaps) expect(left, `printed but not documented:\n${result.stdout}`).toEqual([]);
    });
  }
});
