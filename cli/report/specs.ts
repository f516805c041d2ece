/**
 * Vega-Lite specifications for the figures, in the paper's style: stacked
 * bars per configuration with error bars, log-scaled instance counts. Each
 * spec carries its data inline, so the `.vl.json` written beside each SVG
 * can be restyled and rendered again with any Vega-Lite tool.
 */
import type { Figure } from "../bench/figures.js";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const ORDER = ["launch", "init", "publish", "communication", "service", "inference"];
const WIDTH = 420;
const HEIGHT = 260;

type Spec = Record<string, unknown>;

function xEncoding(figure: Figure): Spec {
  const { title, scale } = figure.x;
  if (scale === "ordinal") return { field: "x", type: "ordinal", title, sort: null };
  if (scale === "linear") return { field: "x", type: "quantitative", title };
  const values = [...new Set(figure.rows.map((r) => r.x))];
  return { field: "x", type: "quantitative", title, scale: { type: "log", base: 2, padding: 16 }, axis: { values } };
}

const series = (figure: Figure, title: string): Spec => {
  const names = [...new Set(figure.rows.map((r) => r.series))];
  const sort = names.every((n) => ORDER.includes(n)) ? ORDER.filter((n) => names.includes(n)) : names;
  return { field: "series", type: "nominal", title, sort };
};

const tooltip = [
  { field: "x", title: "x" },
  { field: "series", title: "series" },
  { field: "value", title: "value", format: ".3f" },
  { field: "sd", title: "sd", format: ".3f" },
];

function errorBars(figure: Figure, top: string): Spec {
  return {
    transform: [
      { filter: "datum.sd > 0" },
      { calculate: `datum.${top} - datum.sd`, as: "lo" },
      { calculate: `datum.${top} + datum.sd`, as: "hi" },
    ],
    mark: { type: "rule", color: "#222", strokeWidth: 1 },
    encoding: { x: xEncoding(figure), y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
  };
}

function layers(figure: Figure): Spec[] {
  const y = { type: "quantitative", title: figure.y.title };
  switch (figure.kind) {
    case "stacked":
      return [
        {
          mark: figure.x.scale === "ordinal" ? { type: "bar" } : { type: "bar", width: 14 },
          encoding: {
            x: xEncoding(figure),
            y: { field: "start", ...y },
            y2: { field: "end" },
            color: series(figure, "component"),
            description: { field: "label" },
            tooltip,
          },
        },
        errorBars(figure, "end"),
      ];
    case "line":
      return [
        {
          mark: { type: "line", point: false },
          encoding: { x: xEncoding(figure), y: { field: "value", ...y }, color: series(figure, "series") },
        },
        {
          mark: { type: "point", filled: true, size: 40 },
          encoding: {
            x: xEncoding(figure),
            y: { field: "value", ...y },
            color: series(figure, "series"),
            description: { field: "label" },
            tooltip,
          },
        },
        errorBars(figure, "value"),
      ];
    case "grouped":
      return [
        {
          mark: { type: "bar" },
          encoding: {
            x: xEncoding(figure),
            xOffset: { field: "series", sort: null },
            y: { field: "value", ...y },
            color: series(figure, "series"),
            description: { field: "label" },
            tooltip,
          },
        },
      ];
    case "gantt":
      return [
        {
          mark: { type: "bar", height: { band: 0.8 } },
          encoding: {
            y: { field: "x", type: "ordinal", title: figure.x.title, sort: null },
            x: { field: "start", type: "quantitative", title: figure.y.title },
            x2: { field: "end" },
            color: { field: "series", type: "nominal", title: "task or service" },
            description: { field: "label" },
            tooltip: [{ field: "label", title: "what" }],
          },
        },
      ];
    case "steps":
      return [
        {
          transform: [{ filter: "datum.marker !== 1" }],
          mark: { type: "line", interpolate: "step-after" },
          encoding: {
            x: xEncoding(figure),
            y: { field: "value", ...y, axis: { tickMinStep: 1 } },
            color: series(figure, "series"),
            strokeDash: { field: "series", type: "nominal", legend: null },
          },
        },
        {
          transform: [{ filter: "datum.marker === 1" }],
          mark: { type: "point", filled: true, size: 90, shape: "triangle" },
          encoding: {
            x: xEncoding(figure),
            y: { field: "value", ...y },
            color: series(figure, "series"),
            description: { field: "label" },
            tooltip: [{ field: "label", title: "decision" }],
          },
        },
      ];
    default: {
      const never: never = figure.kind;
      throw new Error(`unknown figure kind ${String(never)}`);
    }
  }
}

export function specOf(figure: Figure): Spec {
  const groups = new Set(figure.rows.map((r) => r.group));
  const rowsOnY = figure.kind === "gantt" ? new Set(figure.rows.map((r) => r.x)).size : 0;
  const size = { width: WIDTH, height: figure.kind === "gantt" ? Math.max(HEIGHT, rowsOnY * 16) : HEIGHT };
  const base = {
    $schema: SCHEMA,
    title: figure.title,
    data: { values: figure.rows },
    config: { font: "Helvetica, Arial, sans-serif", axis: { labelFontSize: 11, titleFontSize: 12 } },
  };
  if (groups.size > 1) {
    return {
      ...base,
      facet: { column: { field: "group", type: "nominal", title: null, sort: [...groups] } },
      spec: { ...size, layer: layers(figure) },
    };
  }
  return { ...base, ...size, layer: layers(figure) };
}
