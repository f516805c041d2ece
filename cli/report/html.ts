/**
 * The report's one self-contained page: every figure's SVG inline and its
 * numbers as a table, no scripts and nothing fetched, so it opens offline.
 */
import type { Figure } from "../bench/figures.js";

const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const num = (value: unknown) =>
  typeof value === "number" ? String(Math.round(value * 1_000) / 1_000) : escapeHtml(String(value ?? ""));

function figureTable(figure: Figure): string {
  const columns = ["x", "group", "series", "value", "sd"];
  const head = columns.map((c) => `<th>${c}</th>`).join("");
  const body = figure.rows
    .map((row) => `<tr>${columns.map((c) => `<td>${num(row[c])}</td>`).join("")}</tr>`)
    .join("\n");
  return `<details><summary>numbers (${figure.rows.length} rows; ${escapeHtml(figure.name)}.csv)</summary><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></details>`;
}

/** A table of its own on the page (the scale decisions of a session). */
export interface PageTable {
  id: string;
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

function pageTable(table: PageTable): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = table.rows.map((row) => `<tr>${row.map((v) => `<td>${num(v)}</td>`).join("")}</tr>`).join("\n");
  return `<section id="${escapeHtml(table.id)}">
<h2>${escapeHtml(table.title)}</h2>
<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>
</section>`;
}

export interface PageFigure {
  figure: Figure;
  svg: string;
}

export function reportPage(
  title: string,
  intro: string[],
  figures: PageFigure[],
  summary?: string,
  tables: PageTable[] = [],
): string {
  const sections = figures
    .map(
      ({ figure, svg }) => `<section id="${escapeHtml(figure.name)}">
<h2>${escapeHtml(figure.title)}</h2>
<div class="figure">${svg}</div>
${figureTable(figure)}
</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
.figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${intro.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n")}
${summary === undefined ? "" : `<h2>Summary</h2>\n<pre>${escapeHtml(summary)}</pre>`}
${sections}
${tables.map(pageTable).join("\n")}
</body>
</html>
`;
}
