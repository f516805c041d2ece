/**
 * `kill -9` of `flotilla run --platform slurm`: the reaper cancels the holder
 * job (or, inside a batch job Flotilla does not own, only its own steps) and
 * nothing it started is left, within 30 s. Processes are found through a
 * marker in their environment, which srun passes on to every step.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it, onTestFinished } from "vitest";
import { cliCommand, startCli } from "../helpers/cli.js";
import { fixture, processesWithEnv, waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { describeSlurm, queuedJobs, sbatch, scancel, slurmEnv, waitForEmptyQueue } from "./cluster.js";

const MARK = "FLOTILLA_TEST_MARK";
/** The requirement: steps ended and the job cancelled within 30 s of the engine's death. */
const BOUND_MS = 30_000;

const workload = (allocation: string) => `
version: 1
name: doomed
${allocation}
services:
  - name: plain
    backend: noop
    cores: 1
  - name: sleeper
    cores: 1
    command: ["sh", "-c", "echo up; exec sleep 600"]
    ready: { log: "up" }
tasks:
  - name: tree
    cores: 1
    command: ["${fixture("spawn-tree")}", "2"]
`;

function env(mark: string): Record<string, string> {
  const out: Record<string, string> = { [MARK]: mark };
  for (const [k, v] of Object.entries(slurmEnv())) if (v !== undefined) out[k] = v;
  return out;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function killMarked(mark: string): void {
  for (const pid of processesWithEnv(MARK, mark)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** `J.S NAME` for every step squeue lists in job `job`. */
function steps(job: string): string[] {
  const out = execFileSync("squeue", ["--steps", `--jobs=${job}`, "--noheader", "--format=%i %j"], {
    env: slurmEnv() as NodeJS.ProcessEnv,
  });
  return out
    .toString()
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function enginePid(session: string): number {
  return (JSON.parse(readFileSync(join(session, "engine.json"), "utf8")) as { pid: number }).pid;
}

describeSlurm("when the engine dies with SIGKILL on slurm", () => {
  it("cancels the holder job and leaves no srun or host behind within 30 s", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), workload("allocation: { platform: slurm, nodes: 2, cores: 2, walltime: 5m }"));
    const session = join(dir, "session");
    const mark = randomUUID();
    onTestFinished(() => killMarked(mark));
    const cli = startCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir, env: env(mark) });
    await cli.waitForOutput(/"id":"tree","state":"running"/, 60_000);
    await waitUntil(() => (cli.stdout.match(/"state":"ready"/g) ?? []).length >= 2, {
      timeoutMs: 60_000,
      what: "both services ready",
    });
    await waitUntil(() => /started 2 children/.test(readText(join(session, "logs", "tree.out"))), {
      timeoutMs: 30_000,
      what: "the task's tree",
    });
    const job = /"state":"active"[^\n]*"job_id":"(\d+)"/.exec(cli.stdout)?.[1] as string;
    expect(queuedJobs()).toContain(job);
    expect(steps(job).filter((line) => line.includes("flotilla."))).toHaveLength(3);

    cli.child.kill("SIGKILL");
    const killedAt = Date.now();
    await waitUntil(() => queuedJobs().length === 0 && processesWithEnv(MARK, mark).length === 0, {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: "an empty queue and no process of the run",
    });
    const goneMs = Date.now() - killedAt;
    console.info(`job cancelled and everything gone ${goneMs} ms after kill -9`);
    expect(goneMs).toBeLessThanOrEqual(BOUND_MS);
    const end = readText(join(session, "events.jsonl")).trim().split("\n").at(-1) ?? "";
    expect(JSON.parse(end)).toMatchObject({ type: "session:end", exit_code: 137 });
  });

  it("inside a batch job, cancels only its own steps and leaves the job running", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), workload(""));
    const session = join(dir, "s");
    const mark = randomUUID();
    onTestFinished(() => killMarked(mark));
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const cli = [...cliCommand(), "run", "w.yaml", "--json", "--platform", "auto", "--session-dir", "s"];
    // The script goes on after flotilla: the job is its own, not Flotilla's.
    const script = `cd ${quote(dir)} && export ${MARK}=${mark} && ${cli.map(quote).join(" ")} > out.ndjson 2> err.txt; touch after; exec sleep 300`;
    const job = sbatch([
      "--nodes=2",
      "--ntasks-per-node=1",
      "--cpus-per-task=3",
      "--time=5",
      `--output=${join(dir, "slurm.out")}`,
      `--wrap=${script}`,
    ]);
    try {
      await runAndKillInside(dir, session, job, mark);
    } finally {
      scancel(job);
      await waitForEmptyQueue(60_000);
    }
  });
});

async function runAndKillInside(dir: string, session: string, job: string, mark: string): Promise<void> {
  await waitUntil(() => /"id":"tree","state":"running"/.test(readText(join(dir, "out.ndjson"))), {
    timeoutMs: 90_000,
    intervalMs: 250,
    what: "the run inside the job to start its task",
  });
  await waitUntil(() => /started 2 children/.test(readText(join(session, "logs", "tree.out"))), {
    timeoutMs: 30_000,
    what: "the task's tree",
  });
  await waitUntil(() => steps(job).filter((line) => line.includes("flotilla.")).length === 3, {
    timeoutMs: 30_000,
    what: "three flotilla steps",
  });

  process.kill(enginePid(session), "SIGKILL");
  const killedAt = Date.now();
  const ours = () =>
    processesWithEnv(MARK, mark).filter((pid) => {
      const cmdline = readText(`/proc/${pid}/cmdline`).split("\0").join(" ");
      return /srun|service-host|spawn-tree|forever|sleep 600|reaper/.test(cmdline);
    });
  await waitUntil(() => steps(job).every((line) => !line.includes("flotilla.")) && ours().length === 0, {
    timeoutMs: 90_000,
    intervalMs: 200,
    what: "the run's steps and processes to be gone",
  });
  const goneMs = Date.now() - killedAt;
  console.info(`steps cancelled and everything gone ${goneMs} ms after kill -9 (inside a job)`);
  expect(goneMs).toBeLessThanOrEqual(BOUND_MS);
  expect(existsSync(join(dir, "after"))).toBe(true);
  expect(queuedJobs()).toContain(job);
  expect(readText(join(session, "reaper.log"))).toMatch(/engine \d+ died/);
}
