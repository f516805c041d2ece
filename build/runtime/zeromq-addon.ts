import { dirname, join } from "node:path";
import { getAsset, isSea } from "node:sea";
import { VERSION } from "../../cli/version.js";
import { FlotillaError } from "../../engine/errors.js";
import { addonCacheDirs, stageFile } from "./addon-cache.js";
import { ZEROMQ_ASSET } from "./assets.js";

/**
 * Bundled in place of zeromq's own addon loader (build/plugins/zeromq-addon.ts);
 * never loaded by tsx or the tests, where zeromq finds its addon itself.
 * Inside the single binary the addon is an SEA asset: it is written once to a
 * per-version cache directory and opened with process.dlopen, because a shared
 * library can only be loaded from a file. Only commands that talk ZeroMQ get
 * here (build/plugins/zeromq-lazy.ts).
 */

/** Set by the build (esbuild `define`): the addon's content hash, names the cached file. */
declare const FLOTILLA_ZEROMQ_ADDON_ID: string;

export function loadZeromqAddon(): unknown {
  // The bundle run by a plain `node dist/flotilla.cjs`: the build puts the addon beside it.
  if (!isSea()) return dlopen(join(__dirname, ZEROMQ_ASSET));
  const bytes = new Uint8Array(getAsset(ZEROMQ_ASSET));
  const name = `zeromq-${FLOTILLA_ZEROMQ_ADDON_ID}.node`;
  // Last resort: beside the binary (a user's own copy usually sits in a writable directory).
  const dirs = [
    ...addonCacheDirs(process.env, VERSION, process.getuid?.() ?? 0),
    join(dirname(process.execPath), `.flotilla-${VERSION}`),
  ];
  const failures: string[] = [];
  // A directory can take the file and still refuse to map it (a noexec mount): then try the next.
  for (const dir of dirs) {
    let file: string;
    try {
      file = stageFile(bytes, name, [dir]);
    } catch (error) {
      failures.push(`${dir}: ${reason(error instanceof Error && error.cause !== undefined ? error.cause : error)}`);
      continue;
    }
    try {
      return dlopen(file);
    } catch (error) {
      failures.push(`${file}: ${reason(error)}`);
    }
  }
  // One clear line (cli/run-main.ts prints a FlotillaError's message), not a stack from inside the bundle.
  throw new FlotillaError(
    "PLATFORM_UNAVAILABLE",
    `cannot load the ZeroMQ addon: no directory could hold it (${failures.join("; ")}). ` +
      "Set XDG_CACHE_HOME or TMPDIR to a writable directory on a file system that allows executables.",
  );
}

function dlopen(file: string): unknown {
  const module = { exports: {} as unknown };
  process.dlopen(module, file);
  return module.exports;
}

/** "ENOTDIR", "EROFS", …: the directory is already named, the code says why. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}
