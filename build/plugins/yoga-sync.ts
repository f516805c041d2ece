import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Plugin } from "esbuild";

/**
 * yoga-layout's entry initialises its WebAssembly with top-level await, which
 * a CommonJS bundle cannot contain. Its Emscripten loader accepts an
 * `instantiateWasm` hook: compiling the embedded wasm with the synchronous
 * `new WebAssembly.Module`/`Instance` makes the whole start-up run before
 * `loadYoga()` returns (the runtime is marked `calledRun`), so the entry can
 * export the ready instance without awaiting. The wasm bytes are the ones the
 * package embeds as base64; they are taken from its own loader file.
 */
export function yogaSyncPlugin(): Plugin {
  return {
    name: "flotilla-yoga-sync",
    setup(build) {
      build.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, async (args) => {
        const loaderFile = join(dirname(args.path), "..", "binaries", "yoga-wasm-base64-esm.js");
        const loaderSource = await readFile(loaderFile, "utf8");
        const match = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(loaderSource);
        if (!match) throw new Error(`no embedded wasm found in ${loaderFile}: yoga-layout changed its loader`);
        return {
          contents: syncEntry(match[1]!),
          loader: "js",
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

function syncEntry(wasmBase64: string): string {
  return `import loadYoga from "../binaries/yoga-wasm-base64-esm.js";
import wrapAssembly from "./wrapAssembly.js";
const wasm = Buffer.from(${JSON.stringify(wasmBase64)}, "base64");
const runtime = {
  instantiateWasm(imports, receiveInstance) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), imports);
    receiveInstance(instance);
    return instance.exports;
  },
};
// The returned promise only repeats what calledRun says; a failure is thrown below.
loadYoga(runtime).catch(() => {});
if (!runtime.calledRun) throw new Error("yoga-layout did not initialise synchronously");
const Yoga = wrapAssembly(runtime);
export default Yoga;
export * from "./generated/YGEnums.js";
`;
}
