/**
 * One measurement = one real `flotilla run --json` of a generated workload,
 * in a child process of this same binary: the experiments measure exactly
 * what users run, and follow every change of the run path (auth, sockets)
 * without knowing its wire details.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { EngineEvent } from "../../engine/index.js";
import { selfCommand } from "../self.js";
import { track } from "./children.js";

export interface RunOutcome {
  events: EngineEvent[];
  exitCode: number | null;
  stderrTail: string[];
}

export interface RunInput {
  workloadFile: string;
  sessionDir: string;
  /** Extra `run` flags: --platform, --nodes, --cores, --gpus. */
  flags: string[];
  signal: AbortSignal;
  /** Every event as it arrives (progress). */
  onEvent?: (event: EngineEvent) => void;
}

export function runWorkload(input: RunInput): Promise<RunOutcome> {
  const [file, ...prefix] = selfCommand();
  // Its own process group: a Ctrl-C on the terminal reaches the run once, from here,
  // so it tears down in order instead of seeing two signals and killing at once.
  const child = spawn(
    file as string,
    [...prefix, "run", input.workloadFile, "--json", "--session-dir", input.sessionDir, ...input.flags],
    { detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  const untrack = track(child);
  const events: EngineEvent[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (line.trim() === "") return;
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      // `run --json` prints only events; anything else is not ours to interpret.
      return;
    }
    events.push(event);
    input.onEvent?.(event);
  });
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderr.push(line);
    if (stderr.length > 20) stderr.shift();
  });
  const stop = () => child.kill("SIGINT");
  if (input.signal.aborted) stop();
  else input.signal.addEventListener("abort", stop, { once: true });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      input.signal.removeEventListener("abort", stop);
      untrack();
      resolve({ events, exitCode: code, stderrTail: stderr });
    });
  });
}

/** The events of one type, typed. */
export function ofType<T extends EngineEvent["type"]>(
  events: readonly EngineEvent[],
  type: T,
): Extract<EngineEvent, { type: T }>[] {
  return events.filter((event): event is Extract<EngineEvent, { type: T }> => event.type === type);
}
