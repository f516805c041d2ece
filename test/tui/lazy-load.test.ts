/**
 * Batch runs must not load React or Ink: the CLI reaches the dashboard only
 * through dynamic `import()`. Walks the static import graph from cli/program.ts
 * (the program cli/main.ts loads for every command but the service host; the
 * host's own is lighter still) and checks it never reaches them.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm;

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), base]) {
    if (existsSync(candidate) && candidate !== dirname(candidate)) return candidate;
  }
  return undefined;
}

function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(STATIC)) {
      const line = match[0];
      // Type-only imports vanish at runtime.
      if (/^\s*(?:import|export)\s+type\s/.test(line)) continue;
      const specifier = match[1] as string;
      if (specifier.startsWith(".")) {
        const target = resolveLocal(file, specifier);
        if (target) queue.push(target);
      } else if (!specifier.startsWith("node:")) {
        packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
      }
    }
  }
  return { files, packages };
}

describe("the CLI's static imports", () => {
  const { files, packages } = staticGraph(join(REPO, "cli", "program.ts"));
  const tuiFiles = [...files].map((file) => relative(REPO, file)).filter((file) => file.startsWith("tui/"));

  it("walk the real graph (run, watch, show and the sinks are in it)", () => {
    const names = [...files].map((file) => relative(REPO, file));
    for (const expected of [
      "cli/commands/run.ts",
      "cli/commands/watch.ts",
      "cli/commands/show.ts",
      "cli/sinks/index.ts",
    ])
      expect(names).toContain(expected);
    expect(packages).toContain("commander");
  });

  it("never reach React, Ink or a dashboard component", () => {
    expect([...packages].filter((name) => /^(react|ink|react-reconciler|yoga-layout)$/.test(name))).toEqual([]);
    // The React-free parts of tui/ that watch and show use directly.
    expect(
      tuiFiles.every((file) => !file.endsWith(".tsx") && !file.includes("/components/") && !file.includes("/hooks/")),
    ).toBe(true);
    expect(tuiFiles).not.toContain("tui/theme.ts");
  });
});
