/**
 * Vega-Lite → SVG in Node, headless: no browser, no canvas (text is measured
 * by estimate). Inside the binary vega is not part of the main script but an
 * asset evaluated here, on first use, so no other command pays for it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { compileFunction } from "node:vm";
import type * as Vega from "vega";
import type * as VegaLite from "vega-lite";
import { VEGA_ASSET } from "../../build/runtime/assets.js";
import { isSea } from "../self.js";

interface VegaApi {
  parse: typeof Vega.parse;
  View: typeof Vega.View;
  compile: typeof VegaLite.compile;
}

let loaded: Promise<VegaApi> | undefined;

function evaluate(code: string): VegaApi {
  const module = { exports: {} as VegaApi };
  const require = createRequire(fileURLToPath(import.meta.url));
  compileFunction(code, ["module", "exports", "require"])(module, module.exports, require);
  return module.exports;
}

async function vega(): Promise<VegaApi> {
  if (isSea()) {
    const sea = process.getBuiltinModule?.("node:sea") as { getAsset(name: string, encoding: string): string };
    return evaluate(sea.getAsset(VEGA_ASSET, "utf8"));
  }
  // The plain bundle (node dist/flotilla.cjs) has it beside itself; from source, the packages.
  const beside = fileURLToPath(new URL(`./${VEGA_ASSET}`, import.meta.url));
  if (existsSync(beside)) return evaluate(readFileSync(beside, "utf8"));
  const [v, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  return { parse: v.parse, View: v.View, compile: vl.compile };
}

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  loaded ??= vega();
  const { parse, View, compile } = await loaded;
  const view = new View(parse(compile(spec as unknown as VegaLite.TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
