/**
 * Which session a control command talks to: the one given, else
 * $FLOTILLA_SESSION_DIR (set in every task, so a task submits to its own
 * session), else the newest live session (a control.json and an engine still alive) in the current
 * directory's flotilla-sessions/.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CONTROL_FILE, DEFAULT_SESSIONS_DIR, engineLiveness, FlotillaError } from "../../engine/index.js";

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function resolveSession(given: string | undefined, cwd = process.cwd()): string {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!isDirectory(path)) throw new FlotillaError("USAGE", `${given} is not a session directory`);
    return path;
  }
  const own = process.env.FLOTILLA_SESSION_DIR;
  if (own !== undefined && own !== "") return resolveSession(own, cwd);
  const parent = join(cwd, DEFAULT_SESSIONS_DIR);
  let names: string[] = [];
  try {
    names = readdirSync(parent).filter((name) => name !== "latest");
  } catch {
    // No sessions here at all: said below.
  }
  // Session ids sort by start time: the newest first.
  for (const name of names.sort().reverse()) {
    const dir = join(parent, name);
    if (existsSync(join(dir, CONTROL_FILE)) && engineLiveness(dir).state !== "dead") return dir;
  }
  throw new FlotillaError(
    "USAGE",
    `no live session in ${parent}; give its directory, or start one with: flotilla up WORKLOAD`,
  );
}

/** Splits `[SESSION] REST…`: the first word is the session when it is a directory. */
export function splitSession(words: string[], cwd = process.cwd()): { session: string; rest: string[] } {
  const [first, ...others] = words;
  if (first !== undefined && isDirectory(resolve(cwd, first)))
    return { session: resolveSession(first, cwd), rest: others };
  return { session: resolveSession(undefined, cwd), rest: words };
}
