import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { inkNoTopLevelAwaitPlugin } from "./plugins/ink-no-tla.js";
import { vegaNoCanvasPlugin } from "./plugins/vega-no-canvas.js";
import { yogaSyncPlugin } from "./plugins/yoga-sync.js";
import { zeromqAddonPlugin } from "./plugins/zeromq-addon.js";
import { zeromqLazyPlugin } from "./plugins/zeromq-lazy.js";

export interface BundleInput {
  entry: string;
  outfile: string;
  /** Content hash of the zeromq addon the binary carries; names its cached copy. */
  addonId: string;
  minify: boolean;
}

const runtimeLoader = fileURLToPath(new URL("./runtime/zeromq-addon.ts", import.meta.url));

/**
 * ESM packages read `import.meta.url` (to find files beside them); a CommonJS
 * bundle has no import.meta, so every use reads this variable instead, set
 * from the file the bundle runs as (inside the binary: the binary itself).
 */
const IMPORT_META_URL = "__flotilla_import_meta_url";

export function bundleOptions(input: BundleInput): BuildOptions {
  return {
    entryPoints: [input.entry],
    outfile: input.outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    // Node 20's SEA runs exactly one CommonJS script.
    format: "cjs",
    // A SEA's script has no ESM loader: a real `import()` (of a builtin, say)
    // throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, so every one becomes a require.
    supported: { "dynamic-import": false },
    minify: input.minify,
    // Error classes carry explicit `name`s; stack traces stay readable without a map.
    sourcemap: false,
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    banner: { js: `var ${IMPORT_META_URL} = require("node:url").pathToFileURL(__filename).href;` },
    define: {
      "import.meta.url": IMPORT_META_URL,
      // React and friends select their production builds.
      "process.env.NODE_ENV": '"production"',
      FLOTILLA_ZEROMQ_ADDON_ID: JSON.stringify(input.addonId),
    },
    // Only Ink's DevTools hook (DEV=true) would load it; it is not shipped. vega and
    // vega-lite travel as their own asset (bundleVega), read only by `flotilla report`.
    external: ["react-devtools-core", "vega", "vega-lite"],
    plugins: [zeromqLazyPlugin(), zeromqAddonPlugin(runtimeLoader), yogaSyncPlugin(), inkNoTopLevelAwaitPlugin()],
  };
}

export async function bundle(input: BundleInput): Promise<Metafile> {
  const result = await build(bundleOptions(input));
  if (!result.metafile) throw new Error("esbuild returned no metafile");
  return result.metafile;
}

/**
 * vega + vega-lite as one minified CommonJS file of their own (the VEGA_ASSET):
 * in the main bundle they would make every command's start-up slower, though
 * only `flotilla report` uses them.
 */
export async function bundleVega(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
    plugins: [vegaNoCanvasPlugin()],
  });
}
