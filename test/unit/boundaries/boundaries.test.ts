/**
 * The boundaries of the code base (docs/architecture.md, "Boundaries"),
 * enforced: a change that crosses one fails here, naming the import.
 */
import { describe, expect, it } from "vitest";
import { cycles, type ImportEdge, importsOf, sourceFiles } from "./imports.js";

const ENGINE = sourceFiles("engine");
const CLI = sourceFiles("cli");
const TUI = sourceFiles("tui");
const BENCH = sourceFiles("bench");

/**
 * The engine's floors, lowest first. A file may import its own area and any
 * area on a lower floor, never one on its own floor or above: that keeps the
 * dependencies pointing one way. An area is a top-level file or folder of
 * engine/, or a folder of engine/request/ (the request path has floors of its own).
 */
const FLOORS: readonly (readonly string[])[] = [
  ["errors", "events", "resources"],
  ["state", "workload"],
  ["bus", "session", "scheduler"],
  ["metrics", "launch"],
  ["reaper", "platform", "staging"],
  ["service"],
  ["run"],
  ["request/auth"],
  ["request/wire"],
  ["request/dispatch"],
  ["request/host", "request/front", "request/inference"],
  ["request/drivers"],
  ["request"],
  ["engine"],
  ["index", "host"],
];

function areaOf(file: string): string {
  const parts = file.replace(/\.tsx?$/, "").split("/");
  if (parts[1] === "request" && parts.length > 3) return `request/${parts[2]}`;
  return parts[1]!;
}

function floorOf(area: string): number {
  const floor = FLOORS.findIndex((areas) => areas.includes(area));
  if (floor < 0) throw new Error(`engine area ${area} has no floor: add it to FLOORS`);
  return floor;
}

function describeEdge(edge: ImportEdge): string {
  return `${edge.from} imports ${edge.spec}`;
}

const internal = (files: readonly string[]) => files.flatMap(importsOf);

describe("boundaries", () => {
  it("keeps the engine free of cli/, tui/, React and Ink", () => {
    const bad = internal(ENGINE).filter(
      (e) => /^(cli|tui)\//.test(e.to ?? "") || /^(react|ink)(\/|$)/.test(e.spec) || e.spec.startsWith("ink-"),
    );
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it("keeps every engine import on its own floor or below", () => {
    const bad = internal(ENGINE).filter((e) => {
      if (e.to === undefined || !e.to.startsWith("engine/")) return false;
      const from = areaOf(e.from);
      const to = areaOf(e.to);
      return from !== to && floorOf(to) >= floorOf(from);
    });
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it("lets the cli reach the engine only through engine/index.ts (or engine/host.ts, the service host's part)", () => {
    const surfaces = new Set(["engine/index.ts", "engine/host.ts"]);
    const bad = internal(CLI).filter((e) => e.to?.startsWith("engine/") && !surfaces.has(e.to));
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it("lets the TUI read only the engine's events, state and errors", () => {
    const allowed = new Set(["engine/events.ts", "engine/state.ts", "engine/errors.ts"]);
    const bad = internal(TUI).filter((e) => e.to?.startsWith("engine/") && !allowed.has(e.to));
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it("keeps bench/ independent of test/", () => {
    const bad = internal(BENCH).filter((e) => e.to?.startsWith("test/"));
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(cycles([...ENGINE, ...CLI, ...TUI, ...BENCH])).toEqual([]);
  });
});
