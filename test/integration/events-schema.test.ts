/**
 * docs/events.schema.json is the machine-readable form of docs/events.md:
 * every event of several real runs of the binary (tasks that pass and fail,
 * an inference task with metrics, a service that fails, restarts and a
 * service that never starts) must satisfy it, strictly (no field the schema
 * does not declare), and so must the examples in docs/events.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EngineEvent, EngineEventType } from "../../engine/events.js";
import { REPO, runCli } from "../helpers/cli.js";
import { parseNdjson } from "../helpers/events.js";
import { SchemaChecker, unknownKeywords } from "../helpers/json-schema.js";
import { fixture } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const schema = JSON.parse(readFileSync(join(REPO, "docs/events.schema.json"), "utf8")) as Record<string, unknown>;
const strict = new SchemaChecker(schema, true);

/** Every event type, checked by the compiler against the union in engine/events.ts. */
const EVENT_TYPES: Record<EngineEventType, true> = {
  "session:start": true,
  "allocation:state": true,
  "service:state": true,
  "task:state": true,
  "task:submitted": true,
  "service:scale": true,
  log: true,
  "walltime:warning": true,
  metrics: true,
  "session:end": true,
};

async function eventsOf(workload: string, extra: string[] = []): Promise<EngineEvent[]> {
  const dir = tempDir("flotilla-schema-");
  writeFileSync(join(dir, "w.yaml"), workload);
  const prompts = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `p${i}` })).join("\n");
  writeFileSync(join(dir, "prompts.jsonl"), prompts);
  const result = await runCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "s"), ...extra], { cwd: dir });
  const events = parseNdjson(result.stdout);
  expect(events.at(-1)?.type, result.stderr).toBe("session:end");
  // The session's events.jsonl is the same stream.
  expect(parseNdjson(readFileSync(join(dir, "s", "events.jsonl"), "utf8"))).toEqual(events);
  return events;
}

function expectValid(events: unknown[]): void {
  const failures = events.flatMap((event) => strict.errors(event).map((e) => `${JSON.stringify(event)}\n  ${e}`));
  expect(failures).toEqual([]);
}

describe("docs/events.schema.json", () => {
  it("uses only what the checker implements, and has a variant for every event type", () => {
    expect(unknownKeywords(schema)).toEqual([]);
    const type = (schema.properties as Record<string, { enum: string[] }>).type;
    expect([...(type?.enum ?? [])].sort()).toEqual(Object.keys(EVENT_TYPES).sort());
    const branches = (schema.oneOf as { $ref: string }[]).length;
    expect(branches).toBe(Object.keys(EVENT_TYPES).length);
  });

  it("rejects what is not an event", () => {
    const ok = { v: 1, seq: 1, ts: 1, type: "log", level: "info", message: "hi" };
    expect(strict.errors(ok)).toEqual([]);
    expect(strict.errors({ ...ok, level: "loud" })).not.toEqual([]);
    expect(strict.errors({ ...ok, type: "log:entry" })).not.toEqual([]);
    expect(strict.errors({ ...ok, message: undefined })).not.toEqual([]);
    expect(strict.errors({ ...ok, seq: 1.5 })).not.toEqual([]);
    expect(strict.errors({ ...ok, surprise: 1 })).not.toEqual([]);
    // The published schema itself allows fields a later release adds.
    expect(new SchemaChecker(schema).errors({ ...ok, surprise: 1 })).toEqual([]);
  });

  it("validates the examples in docs/events.md", () => {
    const doc = readFileSync(join(REPO, "docs/events.md"), "utf8");
    const lines = doc.split("\n").filter((line) => line.startsWith('{"v":1'));
    expect(lines.length).toBeGreaterThan(10);
    expectValid(lines.map((line) => JSON.parse(line)));
  });

  it("validates every event of real runs", async () => {
    const runs = await Promise.all([
      // Tasks that pass and fail, a for_each, a service with a probe.
      eventsOf(`version: 1
name: tasks
allocation: { cores: 4, gpus: 2 }
services:
  - name: web
    command: ["${fixture("slow-ready")}", "{port}", "50"]
    ready: { http: "/" }
    gpus: 1
tasks:
  - name: ok
    uses: [web]
    for_each: [a, b]
    command: ["sh", "-c", "echo $FLOTILLA_SERVICE_WEB_URLS"]
  - name: bad
    command: ["${fixture("fail")}", "3"]
`),
      // An inference task on two noop instances: metrics; a backend that exits after ready and is restarted.
      eventsOf(
        `version: 1
name: inference
services:
  - name: echo
    backend: noop
    replicas: 2
  - name: flaky
    command: ["${fixture("exit-after")}", "300", "1"]
    restarts: 1
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
  - name: wait
    command: ["sleep", "4"]
`,
        ["--cores", "6"],
      ),
      // A service that never starts: failed with its stderr, the run ends with 3.
      eventsOf(`version: 1
name: broken
services:
  - name: crash
    command: ["${fixture("crash-on-start")}"]
tasks:
  - name: never
    uses: [crash]
    command: ["true"]
`),
    ]);
    const all = runs.flat();
    const seen = new Set(all.map((e) => e.type));
    for (const type of [
      "session:start",
      "allocation:state",
      "service:state",
      "task:state",
      "log",
      "metrics",
      "session:end",
    ]) {
      expect(seen, type).toContain(type);
    }
    expect(all.some((e) => e.type === "service:state" && e.reason === "restart")).toBe(true);
    expect(all.some((e) => e.type === "service:state" && e.stderr_tail !== undefined)).toBe(true);
    expectValid(all);
  });
});
