import type { Plugin } from "esbuild";

/**
 * vega-canvas tries the optional `canvas` addon with a top-level await, which
 * a CommonJS bundle cannot hold. `flotilla report` renders SVG only, where
 * vega measures text by estimate and never draws on a canvas, so the module
 * becomes the "no canvas here" answer it gives when the addon is missing.
 */
export function vegaNoCanvasPlugin(): Plugin {
  return {
    name: "flotilla-vega-no-canvas",
    setup(build) {
      build.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: "vega-canvas", namespace: "flotilla-vega-canvas" }));
      build.onLoad({ filter: /.*/, namespace: "flotilla-vega-canvas" }, () => ({
        contents:
          "export const canvas = () => null; export const domCanvas = () => null; " +
          "export const nodeCanvas = () => null; export const image = () => null;",
        loader: "js",
      }));
    },
  };
}
