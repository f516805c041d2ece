/**
 * `flotilla submit [SESSION] TASKS.yaml` and `flotilla submit [SESSION]
 * --name x -- CMD ARGS…`: adds tasks to a running session. Prints their
 * ids, one a line; --wait waits for them and exits 0 when all are done, 1
 * otherwise; --json prints the answer and (with --wait) their events as
 * NDJSON. A submission the session refuses exits 2 with the same
 * file/line/field problems as `validate`, and nothing of it runs.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import { FlotillaError } from "../../engine/index.js";
import { sendControl, tasksExitCode } from "../control/client.js";
import { resolveSession, splitSession } from "../control/session-arg.js";
import { parseCount } from "../options.js";

export interface SubmitOptions {
  name?: string;
  cores?: string;
  gpus?: string;
  ranks?: string;
  count?: string;
  after?: string[];
  uses?: string[];
  timeout?: string;
  wait?: boolean;
  json?: boolean;
}

export async function submitCommand(words: string[], options: SubmitOptions): Promise<void> {
  // Everything after `--` is the one-line task's command (commander hands it over as more words).
  const dash = process.argv.indexOf("--");
  const argv = dash === -1 ? [] : process.argv.slice(dash + 1);
  const positional = dash === -1 ? words : words.slice(0, words.length - argv.length);
  let session: string;
  let text: string;
  let source: string;
  if (argv.length > 0) {
    if (positional.length > 1) throw new FlotillaError("USAGE", "give a session and a command, or a file, not both");
    session = resolveSession(positional[0]);
    text = JSON.stringify({ version: 1, tasks: [oneTask(argv, options)] });
    source = "command line";
  } else {
    if (positional.length === 0 || positional.length > 2) {
      throw new FlotillaError(
        "USAGE",
        "usage: flotilla submit [SESSION] TASKS.yaml, or [SESSION] --name N -- CMD ARGS…",
      );
    }
    const split =
      positional.length === 2 ? splitSession(positional) : { session: resolveSession(undefined), rest: positional };
    session = split.session;
    source = split.rest[0] as string;
    text = await readFile(source, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new FlotillaError("WORKLOAD_UNREADABLE", `cannot read ${source}: ${error.code ?? error.message}`);
    });
  }
  const answer = await sendControl(session, "submit", { text, source, dir: process.cwd() });
  const ids = answer.tasks as string[];
  if (options.json) process.stdout.write(`${JSON.stringify({ type: "task:submitted", ...withoutEnvelope(answer) })}\n`);
  else process.stdout.write(ids.map((id) => `${id}\n`).join(""));
  if (!options.wait) return;
  const waited = await sendControl(session, "wait", { tasks: ids, events: options.json === true });
  const tasks = waited.tasks as Array<{ id: string; state: string }>;
  if (options.json) for (const event of waited.events as unknown[]) process.stdout.write(`${JSON.stringify(event)}\n`);
  process.exitCode = tasksExitCode(tasks);
}

function oneTask(argv: string[], options: SubmitOptions): Record<string, unknown> {
  const name = options.name ?? taskName(argv[0] as string);
  return {
    name,
    command: argv,
    ...(options.cores === undefined ? {} : { cores: parseCount("--cores", options.cores, 0) }),
    ...(options.gpus === undefined ? {} : { gpus: parseCount("--gpus", options.gpus, 0) }),
    ...(options.ranks === undefined ? {} : { ranks: parseCount("--ranks", options.ranks, 1) }),
    ...(options.count === undefined ? {} : { count: parseCount("--count", options.count, 1) }),
    ...(options.after === undefined ? {} : { after: options.after.flatMap((a) => a.split(",")).filter(Boolean) }),
    ...(options.uses === undefined ? {} : { uses: options.uses.flatMap((a) => a.split(",")).filter(Boolean) }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  };
}

/** A task name from a program path: `./fit.py` → `fit-py`. */
function taskName(program: string): string {
  const clean = basename(program).replace(/[^A-Za-z0-9_-]/g, "-");
  return /^[A-Za-z]/.test(clean) ? clean : `task-${clean}`;
}

function withoutEnvelope(answer: Record<string, unknown>): Record<string, unknown> {
  const { v: _v, id: _id, ok: _ok, ...rest } = answer;
  return rest;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command("submit")
    .description("add tasks to a running session (flotilla up): a tasks file, or one task after --")
    .argument("[args...]", "[SESSION] TASKS.yaml, or [SESSION] -- CMD ARGS…")
    .option("--name <name>", "name of the one-line task (default: from the program)")
    .option("--cores <n>", "cores of the one-line task (default 1)")
    .option("--gpus <n>", "GPUs of the one-line task (default 0)")
    .option("--ranks <n>", "MPI ranks of the one-line task")
    .option("--count <n>", "run the one-line task N times")
    .option("--after <tasks>", "run only after these tasks are done (names or ids, comma-separated)", collect)
    .option("--uses <services>", "services the one-line task uses (comma-separated)", collect)
    .option("--timeout <duration>", "time limit of the one-line task")
    .option("--wait", "wait for the submitted tasks; exit 0 when all are done, 1 otherwise")
    .option("--json", "print the answer, and with --wait the tasks' events, as NDJSON")
    .action(submitCommand);
}
