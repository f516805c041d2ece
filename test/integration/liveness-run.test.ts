/**
 * Liveness and restarts through `flotilla run` (the built binary when it is
 * fresh): an idle instance that is SIGSTOPped is found by its liveness check
 * and restarted, unless its service says `liveness: off`; an instance that
 * crashes is restarted and the dispatcher sends to it again.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventOf } from "../../engine/events.js";
import { startCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { fixture, isAlive, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

type StateEvent = EventOf<"service:state">;

const states = (stdout: string, service: string): StateEvent[] =>
  ofType(parseNdjson(stdout), "service:state").filter((e) => e.service === service);

const firstPid = (stdout: string, service: string): number =>
  states(stdout, service).find((e) => e.pid !== undefined)?.pid as number;

/** Failed as unresponsive (or exited), then launched again and ready. */
function restartedAfter(events: StateEvent[], reason: "unresponsive" | "exited"): boolean {
  const failed = events.findIndex((e) => e.state === "failed" && e.reason === reason);
  return failed >= 0 && events.slice(failed).some((e) => e.state === "ready" && e.restarts === 1);
}

describe("liveness through flotilla run", () => {
  it("restarts a SIGSTOPped idle instance found by its liveness checks, and leaves one with liveness: off alone", async () => {
    const dir = tempDir("flotilla-liveness-");
    const release = join(dir, "release");
    const fast = "liveness: { every: 300ms, timeout: 200ms, failures: 2 }";
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: watched
    backend: noop
    ${fast}
  - name: unwatched
    backend: noop
    liveness: off
  - name: web
    command: [${JSON.stringify(fixture("slow-ready"))}, "{port}", "0"]
    ready: { http: / }
    restarts: 1
    ${fast}
tasks:
  - name: wait
    command: ["sh", "-c", "i=0; while [ ! -e ${release} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"]
    uses: [watched, unwatched, web]
`,
    );
    const run = startCli(["run", "workload.yaml", "--json", "--cores", "8", "--session-dir", join(dir, "s")], {
      cwd: dir,
    });
    const stopped: number[] = [];
    try {
      await run.waitForOutput(/"task":"wait","id":"wait","state":"running"/, 60_000);
      for (const service of ["watched", "unwatched", "web"]) {
        const pid = firstPid(run.stdout, service);
        expect(pid, service).toBeGreaterThan(0);
        process.kill(pid, "SIGSTOP");
        stopped.push(pid);
      }
      const stoppedAt = performance.now();
      await waitUntil(
        () =>
          restartedAfter(states(run.stdout, "watched"), "unresponsive") &&
          restartedAfter(states(run.stdout, "web"), "unresponsive"),
        { what: "both watched instances restarted", timeoutMs: 20_000, intervalMs: 100 },
      );
      // 2 checks × 300 ms + their timeouts, plus a restart: seconds, not the default 15 s.
      expect(performance.now() - stoppedAt).toBeLessThan(10_000);
      const [watchedPid, unwatchedPid, webPid] = stopped as [number, number, number];
      expect(isAlive(watchedPid)).toBe(false);
      expect(isAlive(webPid)).toBe(false);
      const failed = states(run.stdout, "watched").find((e) => e.state === "failed");
      expect(failed).toMatchObject({ reason: "unresponsive", restart_in_ms: 500 });
      expect(failed?.error).toMatch(/did not answer 2 liveness check\(s\) in a row within 200 ms/);
      const logs = ofType(parseNdjson(run.stdout), "log").map((e) => e.message);
      expect(logs).toContainEqual(expect.stringMatching(/^watched\.0: liveness check 1 of 2 failed/));
      expect(logs).toContainEqual(expect.stringMatching(/^watched\.0: killed its process group \(pid \d+\)/));

      // Off means off: the stopped instance stays as it is, however long.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(states(run.stdout, "unwatched").map((e) => e.state)).not.toContain("failed");
      expect(isAlive(unwatchedPid)).toBe(true);
      process.kill(unwatchedPid, "SIGCONT");
      writeFileSync(release, "");
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
    } finally {
      writeFileSync(release, "");
      for (const pid of stopped) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  }, 90_000);

  it("restarts a crashed instance (restarts: 2) and the dispatcher sends requests to it again", async () => {
    const dir = tempDir("flotilla-restart-");
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: echo
    backend: noop
    replicas: 2
    restarts: 2
    delay: { mean_ms: 5, sd_ms: 0 }
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: 4
`,
    );
    const count = 6_000;
    const prompts = Array.from({ length: count }, (_, i) => JSON.stringify({ prompt: `p${i}` }));
    writeFileSync(join(dir, "prompts.jsonl"), `${prompts.join("\n")}\n`);
    const session = join(dir, "s");
    const run = startCli(["run", "workload.yaml", "--json", "--cores", "8", "--session-dir", session], { cwd: dir });
    await run.waitForOutput(/"task":"prompts","id":"prompts","state":"running"/, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const victim = states(run.stdout, "echo").find((e) => e.instance === 1 && e.pid !== undefined)?.pid as number;
    process.kill(victim, "SIGKILL");
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);

    const echo1 = states(result.stdout, "echo").filter((e) => e.instance === 1);
    expect(restartedAfter(echo1, "exited")).toBe(true);
    expect(echo1.find((e) => e.state === "failed")).toMatchObject({
      reason: "exited",
      restart_in_ms: 500,
      error: expect.stringMatching(/exited after it was ready: killed by SIGKILL/),
    });
    const back = echo1.find((e) => e.state === "ready" && e.restarts === 1) as StateEvent & { ts: number };
    const profile = readFileSync(join(session, "profile", "echo.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { instance?: number; ts: number; status: string });
    expect(profile).toHaveLength(count);
    expect(profile.filter((p) => p.status !== "ok")).toEqual([]);
    // Requests reached the restarted instance: sent to it after it was ready again.
    const afterRestart = profile.filter((p) => p.instance === 1 && p.ts >= back.ts);
    expect(afterRestart.length).toBeGreaterThan(50);
  }, 90_000);
});
