import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Plugin } from "esbuild";

/**
 * Ink's reconciler awaits two things at its top level, both only when the
 * environment sets DEV=true: React DevTools and its own package.json. A
 * CommonJS bundle cannot hold top-level await, so both are rewritten: the
 * DevTools import throws the "module not found" error Ink already reports
 * with a warning (DevTools are not part of the binary), and the package
 * metadata is inlined at build time. Each rewrite must match exactly once, so
 * a changed Ink fails the build instead of producing a broken binary.
 */
export function inkNoTopLevelAwaitPlugin(): Plugin {
  return {
    name: "flotilla-ink-no-tla",
    setup(build) {
      build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const pkg = JSON.parse(await readFile(join(args.path, "..", "..", "package.json"), "utf8")) as {
          name: string;
          version: string;
        };
        const devtools =
          "throw Object.assign(new Error(\"React DevTools are not bundled\"), { code: 'ERR_MODULE_NOT_FOUND' });";
        let contents = replaceOnce(source, "await import('./devtools.js');", devtools, args.path);
        contents = replaceOnce(
          contents,
          "await loadPackageJson()",
          JSON.stringify({ name: pkg.name, version: pkg.version }),
          args.path,
        );
        return { contents, loader: "js" };
      });
    },
  };
}

function replaceOnce(source: string, find: string, replacement: string, file: string): string {
  const at = source.indexOf(find);
  if (at < 0 || source.indexOf(find, at + 1) >= 0) {
    throw new Error(`${file}: expected exactly one \`${find}\`; Ink changed, update build/plugins/ink-no-tla.ts`);
  }
  return source.slice(0, at) + replacement + source.slice(at + find.length);
}
