/**
 * `flotilla report` on a session in which a service scaled: the instances
 * figure (ready instances, the target, each decision marked) and the scale
 * decisions listed on the page, from a session's events written by hand.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventLog } from "../../bench/harness/tui-sessions.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { isSvg } from "./svg.js";

function scaledSession(): EventLog {
  const log = new EventLog();
  log.emit({
    type: "session:start",
    session_id: "20260115-093000-ab12",
    workload: "scale",
    workload_file: "scale.yaml",
    platform: "local",
    session_dir: "/nonexistent",
    version: "0.1.0",
    pid: 1,
  });
  const instance = (i: number, state: "launching" | "ready" | "stopped", ms: number) =>
    log.at(ms).emit({ type: "service:state", service: "llm", instance: i, state, node: "n0", cores: [i], gpus: [i] });
  instance(0, "launching", 100);
  instance(0, "ready", 1_000);
  log.at(12_000).emit({
    type: "service:scale",
    service: "llm",
    from: 1,
    to: 3,
    reason: "load_high",
    instances: [1, 2],
    load: { outstanding: 12, instances: 1, per_instance: 12, target: 4 },
  });
  instance(1, "launching", 12_010);
  instance(2, "launching", 12_010);
  instance(1, "ready", 13_000);
  instance(2, "ready", 13_500);
  log.at(20_000).emit({
    type: "service:scale",
    service: "llm",
    from: 3,
    to: 3,
    reason: "load_high",
    load: { outstanding: 30, instances: 3, per_instance: 10, target: 4 },
    held_back: "max",
  });
  log.at(80_000).emit({
    type: "service:scale",
    service: "llm",
    from: 3,
    to: 2,
    reason: "load_low",
    instances: [2],
    load: { outstanding: 1, instances: 3, per_instance: 0.333, target: 4 },
  });
  instance(2, "stopped", 81_000);
  instance(0, "stopped", 90_000);
  instance(1, "stopped", 90_000);
  return log;
}

describe("flotilla report on a session that scaled", () => {
  it("draws instances over time with the decisions marked, and lists the decisions", async () => {
    const dir = tempDir("flotilla-report-scale-");
    const session = join(dir, "session");
    mkdirSync(session);
    const events = scaledSession().events;
    writeFileSync(join(session, "events.jsonl"), `${events.map((e) => JSON.stringify(e)).join("\n")}\n`);
    const result = await runCli(["report", session, "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(result.stdout) as { figures: Array<{ name: string }> };
    expect(written.figures.map((f) => f.name)).toContain("session-instances");

    const svg = readFileSync(join(session, "report", "session-instances.svg"), "utf8");
    expect(isSvg(svg)).toBe(true);
    // Each decision is a mark that says what it is.
    expect(svg).toContain('aria-label="llm at 12 s: 1 → 3 (load_high; 12 outstanding per instance, target 4)"');
    expect(svg).toContain("llm at 20 s: 3 → 3 (load_high; 10 outstanding per instance, target 4); held back: max");
    expect(svg).toContain("llm at 80 s: 3 → 2 (load_low; 0.333 outstanding per instance, target 4)");

    // The ready line steps 0 → 1 → 2 → 3 → 2 → 0; the target 1 → 3 → 3 → 2.
    const csv = readFileSync(join(session, "report", "session-instances.csv"), "utf8")
      .trim()
      .split("\n");
    const [head, ...rows] = csv.map((line) => line.split(","));
    const col = (name: string) => head!.indexOf(name);
    const series = (name: string) => rows.filter((r) => r[col("series")] === name).map((r) => Number(r[col("value")]));
    expect(series("ready")).toEqual([0, 1, 2, 3, 2, 0]);
    expect(series("target")).toEqual([1, 3, 3, 2, 2]);

    const html = readFileSync(join(session, "report", "index.html"), "utf8");
    expect(html).toContain("<h2>Scale decisions</h2>");
    expect(html).toMatch(
      /<tr><td>12<\/td><td>llm<\/td><td>1<\/td><td>3<\/td><td>load_high<\/td><td>1 2<\/td><td>12<\/td><td>1<\/td><td>12<\/td><td>4<\/td><td><\/td><\/tr>/,
    );
    expect(html).toMatch(/<td>20<\/td><td>llm<\/td><td>3<\/td><td>3<\/td><td>load_high<\/td>.*<td>max<\/td><\/tr>/);
  });

  it("leaves the figure out for a session in which nothing scaled", async () => {
    const dir = tempDir("flotilla-report-noscale-");
    const session = join(dir, "session");
    mkdirSync(session);
    const events = scaledSession().events.filter((e) => e.type !== "service:scale");
    writeFileSync(join(session, "events.jsonl"), `${events.map((e) => JSON.stringify(e)).join("\n")}\n`);
    const result = await runCli(["report", session, "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(result.stdout) as { figures: Array<{ name: string }> };
    expect(written.figures.map((f) => f.name)).not.toContain("session-instances");
    expect(readFileSync(join(session, "report", "index.html"), "utf8")).not.toContain("Scale decisions");
  });
});
