/** What `flotilla report` needs of vega and vega-lite: bundled alone into the VEGA_ASSET (build/runtime/assets.ts). */
export { parse, View } from "vega";
export { compile } from "vega-lite";
