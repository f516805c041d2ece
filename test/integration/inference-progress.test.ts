/**
 * Progress of an inference task through the binary: `metrics` events carry
 * done/total, errors, rate and ETA while it runs, its final task:state the
 * totals, text mode prints it, and all of it satisfies docs/events.schema.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { SchemaChecker } from "../helpers/json-schema.js";
import { tempDir } from "../helpers/tmp.js";

const schema = JSON.parse(readFileSync(join(REPO, "docs/events.schema.json"), "utf8")) as Record<string, unknown>;

describe("inference task progress", () => {
  it("is reported in metrics while the task runs, on its end, and in text mode", async () => {
    const dir = tempDir("flotilla-progress-");
    const total = 150;
    writeFileSync(
      join(dir, "requests.jsonl"),
      Array.from({ length: total }, (_, i) => `{"prompt":"p${i}"}`).join("\n"),
    );
    writeFileSync(
      join(dir, "w.yaml"),
      `version: 1
services:
  - name: echo
    backend: noop
    replicas: 2
    delay: { mean_ms: 25 }
tasks:
  - name: prompts
    service: echo
    requests: requests.jsonl
    concurrency: 2
`,
    );
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--cores", "4", "--session-dir", session], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const events = parseNdjson(readFileSync(join(session, "events.jsonl"), "utf8"));

    const during = ofType(events, "metrics").flatMap((e) => (e.final ? [] : (e.tasks ?? [])));
    expect(during.length).toBeGreaterThan(0);
    for (const progress of during) {
      expect(progress).toMatchObject({ id: "prompts", service: "echo", total, errors: 0 });
      expect(progress.done).toBeLessThanOrEqual(total);
      if (progress.done > 0 && progress.done < total) {
        expect(progress.rate).toBeGreaterThan(0);
        expect(progress.eta_ms).toBeGreaterThan(0);
      }
    }
    // Done only grows.
    const done = during.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    const end = ofType(events, "task:state").find((e) => e.id === "prompts" && e.state === "done");
    expect(end?.requests).toMatchObject({ total, done: total, errors: 0 });
    expect(end?.requests?.eta_ms).toBeUndefined();
    // Once the task has ended, the metrics no longer list it.
    expect(ofType(events, "metrics").at(-1)?.tasks).toBeUndefined();

    expect(result.stdout).toMatch(new RegExp(`^task prompts: \\d+/${total} requests, 0 errors, [\\d.]+ req/s`, "m"));
    const checker = new SchemaChecker(schema, true);
    expect(events.flatMap((e) => checker.errors(e))).toEqual([]);
  });
});
