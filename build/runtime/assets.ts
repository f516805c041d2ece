/** The name the zeromq addon is carried under in the binary's SEA assets. */
export const ZEROMQ_ASSET = "zeromq.node";

/**
 * The charting library (vega + vega-lite), bundled on its own and carried as
 * an asset: only `flotilla report` reads and evaluates it, so the main script
 * every command starts from stays as small as before.
 */
export const VEGA_ASSET = "vega.cjs";
