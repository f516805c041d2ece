/** Vega-Lite → SVG in Node, headless: no browser, no canvas (text is measured by estimate). */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const view = new View(parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
