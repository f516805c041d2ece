/**
 * The shipped three-stage pipeline (examples/pipeline): simulate → infer
 * (through a model service) → analyse, chained only by staged files.
 */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { tempDir } from "../helpers/tmp.js";

describe("a three-stage pipeline with a model service in the middle", () => {
  it("passes each stage's outputs to the next and ends with the report", async () => {
    const dir = tempDir();
    cpSync(join(REPO, "examples"), join(dir, "examples"), { recursive: true });
    const session = join(dir, "session");
    const result = await runCli(["run", "examples/pipeline/pipeline.yaml", "--json", "--session-dir", session], {
      cwd: dir,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const tasks = ofType(events, "task:state");
    const seqOf = (id: string, state: string) => tasks.find((e) => e.id === id && e.state === state)?.seq ?? -1;
    // Each stage starts only after the one before it ended with its outputs collected.
    const simulated = Math.max(...[0, 1, 2].map((i) => seqOf(`simulate.${i}`, "done")));
    expect(seqOf("infer", "scheduled")).toBeGreaterThan(simulated);
    expect(seqOf("analyse", "scheduled")).toBeGreaterThan(seqOf("infer", "done"));
    for (const end of tasks.filter((e) => e.state === "done")) expect(end.stage_out_ms).toBeGreaterThanOrEqual(0);

    const results = join(dir, "examples/pipeline/results");
    const sims = [0, 1, 2].map((i) => JSON.parse(readFileSync(join(results, "sims", `sim-${i}.json`), "utf8")));
    expect(sims.map((sim) => sim.seed)).toEqual([0, 1, 2]);
    // The model answered once per simulation, through the run's front.
    const answers = readFileSync(join(results, "answers.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(answers.map((a) => a.seed)).toEqual([0, 1, 2]);
    for (const answer of answers) expect(answer.answer).toEqual(expect.any(String));
    const report = readFileSync(join(results, "report.md"), "utf8");
    expect(report).toContain("# 3 simulations");
    for (const sim of sims) expect(report).toContain(`| ${sim.seed} | ${sim.final.toFixed(2)} |`);
    // And the sandboxes stay in the session, each holding only what its stage was given and made.
    const analyse = join(session, "tasks", "analyse");
    expect(readFileSync(join(analyse, "answers.jsonl"), "utf8")).toBe(
      readFileSync(join(results, "answers.jsonl"), "utf8"),
    );
  });
});
