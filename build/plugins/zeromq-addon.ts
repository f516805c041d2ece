import type { Plugin } from "esbuild";

/**
 * Swaps zeromq's addon loader (`lib/load-addon.js`, which looks the addon up
 * under node_modules/zeromq/build at run time) for a module whose
 * `module.exports` IS the addon's exports. zeromq reads it through
 * `__importDefault(require("./load-addon")).default`, so the replacement must
 * not set `__esModule`: plain CommonJS, which wraps it as `{ default: addon }`.
 */
export function zeromqAddonPlugin(runtimeLoader: string): Plugin {
  return {
    name: "flotilla-zeromq-addon",
    setup(build) {
      build.onLoad({ filter: /[\\/]zeromq[\\/]lib[\\/]load-addon\.js$/ }, () => ({
        contents: `module.exports = require(${JSON.stringify(runtimeLoader)}).loadZeromqAddon();\n`,
        loader: "js",
      }));
    },
  };
}
