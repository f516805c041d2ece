/**
 * `npm run build`: bundles the CLI into dist/flotilla.cjs and turns it into
 * the single executable dist/flotilla (docs/build.md).
 *
 *   tsx build/build.ts [--no-code-cache] [--minify]
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle, bundleVega } from "./bundle.js";
import { maxGlibc } from "./check-glibc.js";
import { VEGA_ASSET, ZEROMQ_ASSET } from "./runtime/assets.js";
import { makeSea } from "./sea.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const rel = (path: string) => relative(root, path) || ".";

/**
 * zeromq ships several Linux x64 builds; the glibc-127 one needs no GLIBC past
 * 2.25 (the others need 2.38), so the binary runs on older clusters too.
 */
function zeromqAddonPath(): string {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`the single binary is built on linux x64 only (this is ${process.platform} ${process.arch})`);
  }
  const zeromqDir = dirname(createRequire(import.meta.url).resolve("zeromq/package.json"));
  return join(zeromqDir, "build", "linux", "x64", "node", "glibc-127-Release", "addon.node");
}

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await step();
  console.log(`${label.padEnd(8)} ${Math.round(performance.now() - started)} ms`);
  return result;
}

/** The build reports GLIBC needs when objdump is there; the tests enforce them (binutils). */
async function glibcNeed(path: string): Promise<string> {
  try {
    return `needs GLIBC ${(await maxGlibc(path)) ?? "(none)"}`;
  } catch {
    return "GLIBC need not checked: no objdump";
  }
}

async function sizeOf(path: string): Promise<string> {
  return `${((await stat(path)).size / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(argv: readonly string[]): Promise<void> {
  const useCodeCache = !argv.includes("--no-code-cache");
  const minify = argv.includes("--minify");
  const addon = zeromqAddonPath();
  const addonBytes = await readFile(addon);
  const addonId = createHash("sha256").update(addonBytes).digest("hex").slice(0, 16);
  const paths = {
    bundle: join(dist, "flotilla.cjs"),
    sideAddon: join(dist, ZEROMQ_ASSET),
    vega: join(dist, VEGA_ASSET),
    config: join(dist, "sea-config.json"),
    blob: join(dist, "sea-prep.blob"),
    binary: join(dist, "flotilla"),
  };
  await mkdir(dist, { recursive: true });
  const started = performance.now();

  const metafile = await timed("bundle", () =>
    bundle({ entry: join(root, "cli", "main.ts"), outfile: paths.bundle, addonId, minify }),
  );
  // Beside the bundle too, where `node dist/flotilla.cjs report` finds it.
  await timed("vega", () => bundleVega(join(root, "build", "vega-entry.ts"), paths.vega));
  // Lets `node dist/flotilla.cjs` run too (the bundle loads the addon from beside itself).
  await copyFile(addon, paths.sideAddon);
  await timed("sea", () =>
    makeSea({
      main: rel(paths.bundle),
      addon: rel(addon),
      assets: { [VEGA_ASSET]: rel(paths.vega) },
      configFile: rel(paths.config),
      blob: rel(paths.blob),
      output: rel(paths.binary),
      useCodeCache,
    }),
  );

  console.log(`modules  ${Object.keys(metafile.inputs).length}`);
  console.log(`bundle   ${rel(paths.bundle)} ${await sizeOf(paths.bundle)}${minify ? " (minified)" : ""}`);
  console.log(`vega     ${rel(paths.vega)} ${await sizeOf(paths.vega)} (minified; read only by report)`);
  console.log(`addon    ${rel(addon)} ${await sizeOf(addon)} (${await glibcNeed(addon)})`);
  console.log(`blob     ${rel(paths.blob)} ${await sizeOf(paths.blob)}${useCodeCache ? " (with code cache)" : ""}`);
  console.log(`binary   ${rel(paths.binary)} ${await sizeOf(paths.binary)} (${await glibcNeed(paths.binary)})`);
  console.log(`total    ${Math.round(performance.now() - started)} ms`);
}

// Paths in the SEA config are relative to the working directory.
process.chdir(root);
main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
