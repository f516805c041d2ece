import { join } from "node:path";
import { getAsset, isSea } from "node:sea";
import { VERSION } from "../../cli/version.js";
import { addonCacheDirs, stageFile } from "./addon-cache.js";
import { ZEROMQ_ASSET } from "./assets.js";

/**
 * Bundled in place of zeromq's own addon loader (build/plugins/zeromq-addon.ts);
 * never loaded by tsx or the tests, where zeromq finds its addon itself.
 * Inside the single binary the addon is an SEA asset: it is written once to a
 * per-version cache directory and opened with process.dlopen, because a shared
 * library can only be loaded from a file.
 */

/** Set by the build (esbuild `define`): the addon's content hash, names the cached file. */
declare const FLOTILLA_ZEROMQ_ADDON_ID: string;

export function loadZeromqAddon(): unknown {
  let file: string;
  if (isSea()) {
    const bytes = new Uint8Array(getAsset(ZEROMQ_ASSET));
    const dirs = addonCacheDirs(process.env, VERSION, process.getuid?.() ?? 0);
    file = stageFile(bytes, `zeromq-${FLOTILLA_ZEROMQ_ADDON_ID}.node`, dirs);
  } else {
    // The bundle run by a plain `node dist/flotilla.cjs`: the build puts the addon beside it.
    file = join(__dirname, ZEROMQ_ASSET);
  }
  const module = { exports: {} as unknown };
  process.dlopen(module, file);
  return module.exports;
}
