/**
 * `flotilla report DIR`: a bench results directory (results.json) or a
 * session directory (events.jsonl) → one SVG and one Vega-Lite spec per
 * figure, and index.html, in DIR/report or --out.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FlotillaError, mkdirPrivate, writePrivateFileSync } from "../../engine/index.js";
import { autoscaleSummary } from "../bench/autoscale.js";
import { bootstrapSummary } from "../bench/bootstrap.js";
import { type Figure, figuresOf } from "../bench/figures.js";
import { gridSummary } from "../bench/grid-fold.js";
import { type BenchResults, toCsv } from "../bench/results.js";
import { type PageTable, reportPage } from "./html.js";
import { renderSvg } from "./render.js";
import { sessionFigures } from "./session.js";
import { specOf } from "./specs.js";

export interface WrittenReport {
  dir: string;
  index: string;
  figures: Array<{ name: string; svg: string; spec: string; bars: number }>;
}

interface Source {
  title: string;
  intro: string[];
  figures: Figure[];
  summary?: string;
  tables?: PageTable[];
}

function benchSource(dir: string): Source {
  const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as BenchResults;
  const names = {
    bootstrap: "Experiment 1: bootstrap time",
    response: "Experiment 2: response time of a NOOP model",
    inference: "Experiment 3: inference time with a real model",
    autoscale: "Autoscaling against fixed instance counts under bursty load",
  };
  const summaries = {
    bootstrap: bootstrapSummary,
    response: gridSummary,
    inference: gridSummary,
    autoscale: autoscaleSummary,
  };
  const when = new Date(results.started).toISOString();
  return {
    title: names[results.experiment] ?? results.experiment,
    intro: [
      `flotilla ${results.version} on ${results.machine.hostname} (${results.machine.cpus} CPUs, platform ${results.machine.platform}), started ${when}${results.complete ? "" : "; interrupted: partial results"}.`,
      ...results.notes,
    ],
    figures: figuresOf(results),
    summary: summaries[results.experiment](results),
  };
}

function sourceOf(dir: string): Source {
  if (existsSync(join(dir, "results.json"))) return benchSource(dir);
  if (existsSync(join(dir, "events.jsonl"))) {
    const { title, figures, tables } = sessionFigures(dir);
    return { title, intro: [`Session directory ${dir}.`], figures, tables };
  }
  throw new FlotillaError(
    "USAGE",
    `${dir}: neither a bench results directory (results.json) nor a session (events.jsonl)`,
  );
}

export async function writeReport(dirArg: string, out?: string): Promise<WrittenReport> {
  const dir = resolve(dirArg);
  const source = sourceOf(dir);
  const reportDir = resolve(out ?? join(dir, "report"));
  // A report sits in a session directory, private to its owner (docs/security.md): so is the report.
  mkdirPrivate(reportDir);
  const written: WrittenReport = { dir: reportDir, index: join(reportDir, "index.html"), figures: [] };
  const page = [];
  for (const figure of source.figures) {
    const spec = specOf(figure);
    const svg = await renderSvg(spec);
    const svgFile = join(reportDir, `${figure.name}.svg`);
    const specFile = join(reportDir, `${figure.name}.vl.json`);
    writePrivateFileSync(svgFile, svg);
    writePrivateFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
    // The numbers of every figure beside it, for sessions too (a bench has them one level up as well).
    writePrivateFileSync(join(reportDir, `${figure.name}.csv`), toCsv(figure));
    const bars =
      figure.kind === "stacked" || figure.kind === "grouped" || figure.kind === "gantt" ? figure.rows.length : 0;
    written.figures.push({ name: figure.name, svg: svgFile, spec: specFile, bars });
    page.push({ figure, svg });
  }
  writePrivateFileSync(written.index, reportPage(source.title, source.intro, page, source.summary, source.tables));
  return written;
}
