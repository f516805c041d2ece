/**
 * The single binary's main script (build/build.ts). The binary carries two
 * bundles as SEA assets, the whole CLI and the service host alone, each
 * with V8's code cache; this picks one by the first argument and runs it as
 * Node runs a CommonJS file. A service host, started once per instance, so
 * never loads the 3.8 MB of the rest (bench/README.md, "Service host start-up").
 */
import { wrap } from "node:module";
import { getAsset } from "node:sea";
import { Script } from "node:vm";
import { CLI_BUNDLE_ASSET, codeCacheAsset, HOST_BUNDLE_ASSET } from "./assets.js";

type CommonJsWrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: NodeJS.Module,
  filename: string,
  dirname: string,
) => void;

const name = process.argv[2] === "service-host" ? HOST_BUNDLE_ASSET : CLI_BUNDLE_ASSET;
let cachedData: Buffer | undefined;
try {
  cachedData = Buffer.from(getAsset(codeCacheAsset(name)));
} catch {
  // Built with --no-code-cache: V8 compiles as it goes.
}
const script = new Script(wrap(getAsset(name, "utf8")), {
  filename: __filename,
  ...(cachedData === undefined ? {} : { cachedData }),
});
const run = script.runInThisContext() as CommonJsWrapper;
run.call(module.exports, module.exports, require, module, __filename, __dirname);
