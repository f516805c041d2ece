import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { FlotillaError } from "../errors.js";
import { copyPrivateFileSync, makeDirPrivate, mkdirPrivate, tryMkdirPrivate } from "./private-fs.js";
import { newSessionId } from "./session-id.js";
import { describeFsError } from "./write-errors.js";

/** Where sessions go when no `--session-dir` is given, relative to the working directory. */
export const DEFAULT_SESSIONS_DIR = "flotilla-sessions";

export interface SessionDirOptions {
  /** Use exactly this directory (`--session-dir`); it must be empty or not exist yet. */
  dir?: string;
  cwd: string;
  workloadName: string;
  /** The workload file to keep a copy of, as `workload.yaml`. */
  workloadFile?: string;
  now: Date;
}

export interface SessionDir {
  id: string;
  /** Absolute path of the session directory. */
  path: string;
  workloadName: string;
  eventsPath: string;
  summaryPath: string;
  logsPath: string;
  /** The copy of the workload file, when one was given. */
  workloadCopyPath?: string;
  /** Log files of one service instance or task, by its id ("web.0", "sweep.a"). */
  logPaths(id: string): { stdout: string; stderr: string };
}

/**
 * Creates the directory that records one session:
 *   events.jsonl, summary.json, workload.yaml, logs/<id>.out, logs/<id>.err.
 * By default `<cwd>/flotilla-sessions/<session-id>`, with a `latest` link next to it.
 * The session directory and every directory Flotilla creates on the way are
 * 0700, the files 0600 (private-fs.ts): other users must not read prompts,
 * responses or logs. Any failure is a USAGE error naming the real cause.
 */
export function createSessionDir(options: SessionDirOptions): SessionDir {
  let id = newSessionId(options.now);
  let path: string;
  if (options.dir !== undefined) {
    path = resolve(options.cwd, options.dir);
    claimExplicit(path);
  } else {
    const parent = resolve(options.cwd, DEFAULT_SESSIONS_DIR);
    mkdirOrFail(parent);
    path = join(parent, id);
    // Two sessions in the same second with the same suffix: draw again (bounded).
    for (let attempt = 0; !tryMkdir(path); attempt++) {
      if (attempt >= 20) throw new FlotillaError("USAGE", `cannot create a session directory under ${parent}`);
      id = newSessionId(options.now);
      path = join(parent, id);
    }
    pointLatest(parent, id);
  }
  const logsPath = join(path, "logs");
  mkdirOrFail(logsPath);
  let workloadCopyPath: string | undefined;
  if (options.workloadFile !== undefined) {
    workloadCopyPath = join(path, "workload.yaml");
    try {
      copyPrivateFileSync(options.workloadFile, workloadCopyPath);
    } catch (error) {
      throw new FlotillaError("USAGE", `cannot copy the workload to ${workloadCopyPath}: ${describeFsError(error)}`, {
        cause: error,
        context: { path: workloadCopyPath },
      });
    }
  }
  return sessionDirAt(id, path, options.workloadName, workloadCopyPath);
}

/**
 * A session directory createSessionDir made earlier, taken over by the
 * process that runs its engine (`flotilla up` creates it, then starts the
 * engine in the background).
 */
export function adoptSessionDir(path: string, workloadName: string): SessionDir {
  const absolute = resolve(path);
  const copy = join(absolute, "workload.yaml");
  mkdirOrFail(join(absolute, "logs"));
  return sessionDirAt(basename(absolute), absolute, workloadName, existsSync(copy) ? copy : undefined);
}

function sessionDirAt(id: string, path: string, workloadName: string, workloadCopyPath?: string): SessionDir {
  const logsPath = join(path, "logs");
  return {
    id,
    path,
    workloadName,
    eventsPath: join(path, "events.jsonl"),
    summaryPath: join(path, "summary.json"),
    logsPath,
    ...(workloadCopyPath === undefined ? {} : { workloadCopyPath }),
    logPaths: (logId) => {
      const name = logFileName(logId);
      return { stdout: join(logsPath, `${name}.out`), stderr: join(logsPath, `${name}.err`) };
    },
  };
}

/**
 * A file-name-safe form of an instance or task id. Ids from `for_each` items can
 * hold any character; anything outside [A-Za-z0-9._-] becomes "_" and a short
 * hash of the original is appended so distinct ids never share a log file.
 */
export function logFileName(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120);
  if (safe === id && !/^\.+$/.test(id) && id !== "") return id;
  const hash = createHash("sha256").update(id).digest("hex").slice(0, 8);
  return `${safe.replace(/^\.+/, "_")}-${hash}`;
}

function claimExplicit(path: string): void {
  if (existsSync(path)) {
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch (error) {
      throw new FlotillaError("USAGE", `--session-dir ${path} is not a usable directory: ${describeFsError(error)}`, {
        cause: error,
        context: { path },
      });
    }
    if (entries.length > 0) {
      throw new FlotillaError(
        "USAGE",
        `--session-dir ${path} is not empty; give a new or empty directory so sessions do not mix`,
        { context: { path } },
      );
    }
    // An empty directory the user made (often 0755 by their umask) becomes private like one we create.
    try {
      makeDirPrivate(path);
    } catch (error) {
      throw new FlotillaError("USAGE", `--session-dir ${path} cannot be made private: ${describeFsError(error)}`, {
        cause: error,
        context: { path },
      });
    }
  }
  mkdirOrFail(path);
}

function tryMkdir(path: string): boolean {
  try {
    return tryMkdirPrivate(path);
  } catch (error) {
    throw new FlotillaError("USAGE", `cannot create session directory ${path}: ${describeFsError(error)}`, {
      cause: error,
      context: { path },
    });
  }
}

function mkdirOrFail(path: string): void {
  try {
    mkdirPrivate(path);
  } catch (error) {
    throw new FlotillaError("USAGE", `cannot create session directory ${path}: ${describeFsError(error)}`, {
      cause: error,
      context: { path },
    });
  }
}

/** `flotilla-sessions/latest` → the newest session; best effort (some file systems refuse links). */
function pointLatest(parent: string, id: string): void {
  const link = join(parent, "latest");
  try {
    rmSync(link, { force: true });
    symlinkSync(id, link);
  } catch {
    // Not worth failing a run over.
  }
}
