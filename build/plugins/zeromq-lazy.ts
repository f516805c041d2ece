import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname } from "node:path";
import type { Plugin } from "esbuild";

const NAMESPACE = "flotilla-zeromq-lazy";

/** The names zeromq's entry module exports (read from its CommonJS source). */
export function zeromqExportNames(indexSource: string): string[] {
  const names = new Set<string>();
  for (const match of indexSource.matchAll(/Object\.defineProperty\(exports, "(\w+)"/g)) names.add(match[1]!);
  for (const match of indexSource.matchAll(/^exports\.(\w+) = /gm)) names.add(match[1]!);
  names.delete("__esModule");
  return [...names].sort();
}

/**
 * Makes `import … from "zeromq"` in Flotilla's own code lazy: zeromq's
 * entry module builds its socket classes on the native addon as it loads,
 * so importing it eagerly would load (and, in the binary, first write out)
 * the addon on every start. Through this shim the addon is loaded on the
 * first use of a zeromq export, so `--version`, `validate`, `plan` and
 * friends run without it, even where no cache directory can be written.
 * esbuild reads a CommonJS module's named imports at their use sites, which
 * keeps the getters below lazy.
 */
export function zeromqLazyPlugin(): Plugin {
  const entry = createRequire(import.meta.url).resolve("zeromq");
  const names = zeromqExportNames(readFileSync(entry, "utf8"));
  const contents = [
    "let real;",
    `const load = () => (real ??= require(${JSON.stringify(`./${basename(entry)}`)}));`,
    `for (const name of ${JSON.stringify(names)}) {`,
    "  Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name] });",
    "}",
    "",
  ].join("\n");
  return {
    name: "flotilla-zeromq-lazy",
    setup(build) {
      build.onResolve({ filter: /^zeromq$/ }, (args) =>
        args.importer.includes("node_modules") ? undefined : { path: "zeromq", namespace: NAMESPACE },
      );
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({
        contents,
        loader: "js",
        resolveDir: dirname(entry),
      }));
    },
  };
}
