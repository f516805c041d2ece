/** The name the zeromq addon is carried under in the binary's SEA assets. */
export const ZEROMQ_ASSET = "zeromq.node";

/** The bundles the binary carries (build/runtime/sea-main.ts runs one). */
export const CLI_BUNDLE_ASSET = "flotilla.cjs";
export const HOST_BUNDLE_ASSET = "flotilla-host.cjs";

/** V8's code cache for a bundle asset. */
export function codeCacheAsset(bundle: string): string {
  return `${bundle}.cache`;
}

/**
 * The charting library (vega + vega-lite), bundled on its own and carried as
 * an asset: only `flotilla report` reads and evaluates it, so the main script
 * every command starts from stays as small as before.
 */
export const VEGA_ASSET = "vega.cjs";
