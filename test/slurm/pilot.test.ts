/**
 * `flotilla up` on the test Slurm cluster: the job is held while the session
 * is up, tasks submitted over time run as steps in it, and the job is
 * canceled on every way the session ends: down, the idle timeout, and the
 * engine being SIGKILLed (its reaper).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { buildMpiHello, parseHello } from "../fixtures/mpi/build.js";
import { ofType } from "../helpers/events.js";
import { events, expectCli, up } from "../helpers/pilot.js";
import { isAlive, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, slurmEnv, waitForEmptyQueue } from "./cluster.js";

const workload = `
version: 1
name: pilot
allocation: { platform: slurm, nodes: 2, cores: 2, gpus: 1, walltime: 5m }
services:
  - name: model
    replicas: 2
    cores: 1
    gpus: 1
    command: ["sh", "-c", "echo \\"up on $SLURMD_NODENAME\\"; exec sleep 600"]
    ready: { log: "up on" }
    startup_timeout: 30s
`;

const tasks = `version: 1
tasks:
  - name: prep
    command: [sh, -c, "echo prep on $SLURMD_NODENAME"]
  - name: sweep
    for_each: [a, b, c]
    after: [prep]
    uses: [model]
    command: [sh, -c, "echo {item} on $SLURMD_NODENAME"]
  - name: bad
    command: [sh, -c, "exit 4"]
  - name: never
    after: [bad]
    command: ["true"]
`;

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) out[k] = v;
  return out;
}

function jobOf(session: string): string {
  const active = ofType(events(session), "allocation:state").find((e) => e.state === "active");
  return active?.job_id ?? "";
}

describeSlurm("flotilla up on slurm", () => {
  afterEach(async () => {
    await waitForEmptyQueue(30_000);
  });

  it("holds the job while up, runs submitted tasks as steps in it, and cancels it on down", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), workload);
    writeFileSync(join(cwd, "tasks.yaml"), tasks);
    const session = await up("w.yaml", [], { cwd, env: env() });
    await waitUntil(() => jobOf(session.dir) !== "", { what: "the active allocation in the record" });
    const job = jobOf(session.dir);
    expect(queuedJobs()).toContain(job);

    const submitted = await expectCli(["submit", "tasks.yaml"], 0, { cwd, env: env() });
    expect(submitted.stdout.trim().split("\n")).toEqual(["prep", "sweep.a", "sweep.b", "sweep.c", "bad", "never"]);
    const one = await expectCli(["submit", "--wait", "--name", "hello", "--", "hostname"], 0, { cwd, env: env() });
    expect(one.stdout.trim()).toBe("hello");
    const waited = await expectCli(["wait"], 1, { cwd, env: env() });
    expect(waited.stdout).toContain("sweep.c done");
    expect(waited.stdout).toContain("never skipped: dependency bad failed");

    // An MPI task submitted to the live job: one srun step, a rank on each node beside the services.
    const hello = buildMpiHello(cwd);
    await expectCli(["submit", "--wait", "--name", "mpi", "--ranks", "2", "--", hello], 0, { cwd, env: env() });
    const ranks = parseHello(readFileSync(join(session.dir, "logs", "mpi.out"), "utf8"));
    expect(ranks.map((r) => r.rank).sort()).toEqual([0, 1]);
    expect(ranks.every((r) => r.size === 2 && r.sum === 1)).toBe(true);
    expect(new Set(ranks.map((r) => r.node)).size).toBe(2);

    await expectCli(["submit", "--name", "long", "--", "sleep", "300"], 0, { cwd, env: env() });
    await waitUntil(
      () => events(session.dir).some((e) => e.type === "task:state" && e.id === "long" && e.state === "running"),
      { timeoutMs: 20_000, what: "long running" },
    );
    await expectCli(["cancel", "long"], 0, { cwd, env: env() });
    const status = JSON.parse((await expectCli(["status", "--json"], 0, { cwd, env: env() })).stdout);
    expect(status.allocation).toMatchObject({ state: "active", job_id: job });
    expect(status.counts).toMatchObject({ done: 6, failed: 1, skipped: 1 });
    // The services started once, in the job, and stayed up through every submission.
    expect(ofType(events(session.dir), "service:state").filter((e) => e.state === "ready")).toHaveLength(2);
    expect(queuedJobs()).toContain(job);

    // Services scale within the held job: one instance stopped and its GPU freed, then started again.
    await expectCli(["scale", "model", "1"], 0, { cwd, env: env() });
    const scaled = await expectCli(["scale", "model", "2"], 0, { cwd, env: env() });
    expect(scaled.stdout).toContain("model: 2 instances (1 started, 0 stopped)");
    await waitUntil(
      () => ofType(events(session.dir), "service:state").filter((e) => e.state === "ready").length === 3,
      { timeoutMs: 30_000, what: "the new instance ready" },
    );

    await expectCli(["down"], 1, { cwd, env: env() });
    await waitForEmptyQueue(30_000);
  });

  it("cancels the job when the idle timeout ends the session", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), workload);
    const session = await up("w.yaml", ["--idle", "3s"], { cwd, env: env() });
    await expectCli(["submit", "--name", "one", "--", "true"], 0, { cwd, env: env() });
    await waitUntil(() => !isAlive(session.pid), { timeoutMs: 60_000, what: "the idle session to end" });
    expect(ofType(events(session.dir), "session:end")[0]).toMatchObject({ exit_code: 0, reason: "idle for 3s" });
    await waitForEmptyQueue(30_000);
  });

  it("cancels the job when the detached engine is SIGKILLed (its reaper)", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "w.yaml"), workload);
    const session = await up("w.yaml", [], { cwd, env: env() });
    await waitUntil(() => jobOf(session.dir) !== "", { what: "the active allocation in the record" });
    process.kill(session.pid, "SIGKILL");
    await waitForEmptyQueue(30_000);
    await waitUntil(() => ofType(events(session.dir), "session:end").length === 1, { timeoutMs: 30_000 });
    expect(ofType(events(session.dir), "session:end")[0]?.engine_died?.pid).toBe(session.pid);
    // The CLI knows it is gone.
    await expectCli(["status", session.dir], 2, { cwd, env: env() });
    expect(
      execFileSync("squeue", ["--noheader"], { env: slurmEnv() as NodeJS.ProcessEnv })
        .toString()
        .trim(),
    ).toBe("");
  });
});
