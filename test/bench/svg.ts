/** Reading back what a report drew: the bars of an SVG and the numbers each one says it shows. */
import { readFileSync } from "node:fs";

/** aria-labels of the bar marks (vega draws each bar as a path inside a `mark-rect` group). */
export function barLabels(svg: string): string[] {
  const labels: string[] = [];
  for (const group of svg.matchAll(/<g class="mark-rect role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g)) {
    for (const path of group[1]!.matchAll(/<path[^>]*aria-label="([^"]*)"/g)) labels.push(path[1]!);
  }
  return labels;
}

/** The SVG parses as XML-ish: one root svg element, balanced, non-empty. */
export function isSvg(text: string): boolean {
  return /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(text) && text.trimEnd().endsWith("</svg>");
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** "... launch mean 12.345 sd 0.100" → { launch: { mean: 12.345, sd: 0.1 } } for every series in `labels`. */
export function labelNumbers(label: string): { series: string; mean: number; sd: number } | undefined {
  const match = /; (\S+) mean (-?[\d.]+) sd (-?[\d.]+)$/.exec(label);
  return match ? { series: match[1]!, mean: Number(match[2]), sd: Number(match[3]) } : undefined;
}
