/**
 * A hung instance under load, through `flotilla run` (the built binary when
 * it is fresh): one of four noop instances is SIGSTOPped while an inference
 * task sends 20,000 requests. The same run without the fault, in the same
 * test, is the yardstick: the hang may cost a few seconds, not the request
 * timeout.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventOf } from "../../engine/events.js";
import { startCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { isAlive } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const REQUESTS = 20_000;

interface ResponseLine {
  index: number;
  status: "ok" | "error";
  instance: number | null;
  attempts: number;
}

function workspace(): string {
  const dir = tempDir("flotilla-hang-");
  writeFileSync(
    join(dir, "workload.yaml"),
    `version: 1
services:
  - name: echo
    backend: noop
    replicas: 4
    # An emulated model: 8 ms per answer, so the 20,000 requests take seconds, as they would on one.
    delay: { mean_ms: 8, sd_ms: 1 }
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
`,
  );
  const prompts = Array.from({ length: REQUESTS }, (_, i) => JSON.stringify({ prompt: `p${i}`, max_tokens: 4 }));
  writeFileSync(join(dir, "prompts.jsonl"), `${prompts.join("\n")}\n`);
  return dir;
}

/** One run; `fault` is called with the running CLI once the inference task runs. */
async function run(dir: string, name: string, fault?: (pidOf: (instance: number) => number) => Promise<void>) {
  const session = join(dir, name);
  const started = performance.now();
  const cli = startCli(["run", "workload.yaml", "--json", "--cores", "8", "--session-dir", session], { cwd: dir });
  if (fault) {
    await cli.waitForOutput(/"task":"prompts","id":"prompts","state":"running"/, 60_000);
    const pidOf = (instance: number) =>
      ofType(parseNdjson(cli.stdout), "service:state").find((e) => e.instance === instance && e.pid !== undefined)
        ?.pid as number;
    await fault(pidOf);
  }
  const result = await cli.done;
  const wallMs = performance.now() - started;
  expect(result.code, result.stderr).toBe(0);
  const events = parseNdjson(result.stdout);
  const task = ofType(events, "task:state").find((e) => e.id === "prompts" && e.state === "done");
  const responses = readFileSync(join(session, "tasks", "prompts", "responses.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ResponseLine);
  return { wallMs, taskMs: task?.duration_ms ?? Number.NaN, events, responses };
}

function expectEachAnsweredOnce(responses: ResponseLine[]): void {
  expect(responses).toHaveLength(REQUESTS);
  const seen = new Set(responses.map((r) => r.index));
  expect(seen.size).toBe(REQUESTS);
  expect(responses.filter((r) => r.status !== "ok").slice(0, 5)).toEqual([]);
}

describe("a hung instance under load", () => {
  it("costs a few seconds, not the request timeout: taken out, its requests retried, killed and restarted", async () => {
    const dir = workspace();
    const clean = await run(dir, "clean");
    expectEachAnsweredOnce(clean.responses);
    // No false alarm on healthy instances under the same load.
    expect(ofType(clean.events, "service:state").filter((e) => e.state === "failed")).toEqual([]);

    let stoppedPid = 0;
    try {
      const faulty = await run(dir, "faulty", async (pidOf) => {
        // Into the run, so that requests are in flight on it when it stops.
        await new Promise((resolve) => setTimeout(resolve, 300));
        stoppedPid = pidOf(1);
        expect(stoppedPid).toBeGreaterThan(0);
        process.kill(stoppedPid, "SIGSTOP");
      });
      expectEachAnsweredOnce(faulty.responses);
      console.log(
        `clean: run ${(clean.wallMs / 1000).toFixed(2)} s, task ${(clean.taskMs / 1000).toFixed(2)} s; ` +
          `SIGSTOP: run ${(faulty.wallMs / 1000).toFixed(2)} s, task ${(faulty.taskMs / 1000).toFixed(2)} s`,
      );
      expect(faulty.wallMs).toBeLessThan(1.5 * clean.wallMs);

      const states = ofType(faulty.events, "service:state").filter((e) => e.instance === 1);
      const failed = states.find((e) => e.state === "failed") as EventOf<"service:state">;
      expect(failed).toMatchObject({ reason: "unresponsive", restart_in_ms: expect.any(Number) });
      expect(failed.error).toMatch(/answered nothing for \d+ ms with \d+ request\(s\) in flight/);
      const after = states.slice(states.indexOf(failed));
      expect(after.map((e) => e.state)).toEqual(expect.arrayContaining(["launching", "initializing", "ready"]));
      expect(after.find((e) => e.state === "launching")).toMatchObject({ reason: "restart", restarts: 1 });
      // Killed, not left stopped.
      expect(isAlive(stoppedPid)).toBe(false);
      const retried = faulty.responses.filter((r) => r.attempts > 1);
      expect(retried.length).toBeGreaterThan(0);
      expect(retried.every((r) => r.instance !== 1 || r.attempts > 2)).toBe(true);
    } finally {
      if (stoppedPid > 0 && isAlive(stoppedPid)) process.kill(stoppedPid, "SIGKILL");
    }
  }, 180_000);
});
