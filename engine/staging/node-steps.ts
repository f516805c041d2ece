/**
 * Staging into and out of a node-local sandbox through the launcher: one
 * short process on the node (an srun step with no cores of its own on Slurm,
 * a child on the local machine), with a tar archive made here as its stdin,
 * or its stdout written to a file here. No file system shared with the node
 * is assumed beyond what the launcher itself needs.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FlotillaError } from "../errors.js";
import type { Launcher } from "../launch/types.js";

/**
 * Creates the sandbox (0700, refusing a parent another user made), unpacks
 * stdin into it when $4 is 1, prints its path. The mode is set again after
 * unpacking: an archive's "." entry carries a mode, and tar run as root applies it.
 */
const STAGE_IN = `set -e
umask 077
base=\${1:-\${TMPDIR:-/tmp}}
mkdir -p -- "$base"
top=$base/$2
mkdir -p -- "$top"
[ -O "$top" ] || { echo "flotilla: $top belongs to another user" >&2; exit 1; }
chmod 700 -- "$top"
d=$top/$3
mkdir -p -- "$d"
chmod 700 -- "$d"
cd -- "$d"
if [ "$4" = 1 ]; then tar -x -f -; fi
chmod 700 .
pwd -P`;

/** Lists the sandbox: one line per entry, "d path" or "f path". */
const LIST = `cd -- "$1" || exit 1
find . -mindepth 1 -type d -print | sed 's|^\\./|d |'
find . -mindepth 1 ! -type d -print | sed 's|^\\./|f |'`;

/** Writes the paths named on stdin as a tar archive to stdout (when $2 is 1), then removes the sandbox either way. */
const COLLECT = `rc=0
if [ "$2" = 1 ]; then (cd -- "$1" && tar -c -f - -T -) || rc=$?; fi
cd / && rm -rf -- "$1"
rmdir -- "\${1%/*}" 2>/dev/null || true
exit $rc`;

export interface NodeStepOptions {
  launcher: Launcher;
  /** A private directory here for the archives and the steps' output. */
  scratch: string;
}

/** Runs one shell script on `node` and returns its stdout; throws naming `what` and the script's stderr when it fails. */
async function runStep(
  options: NodeStepOptions,
  node: string,
  id: string,
  what: string,
  script: string,
  args: string[],
  stdinPath?: string,
): Promise<string> {
  const stdoutPath = join(options.scratch, `${id}.out`);
  const stderrPath = join(options.scratch, `${id}.err`);
  const running = options.launcher.start({
    id,
    placement: { node, cores: [], gpus: [], slots: [] },
    command: ["sh", "-c", script, "sh", ...args],
    env: {},
    stdoutPath,
    stderrPath,
    ...(stdinPath === undefined ? {} : { stdinPath }),
  });
  const record = await running.exited;
  if (record.failed) {
    const stderr = (await readFile(stderrPath, "utf8").catch(() => "")).trim().split("\n").slice(-3).join("; ");
    const how = record.exitCode !== null ? `exit ${record.exitCode}` : (record.signal ?? "could not start");
    throw new FlotillaError("TASK_FAILED", `${what} on node ${node} failed (${how})${stderr ? `: ${stderr}` : ""}`, {
      context: { node, id },
    });
  }
  return stdoutPath;
}

/** Creates the sandbox on `node` (unpacking `archive` into it) and returns its absolute path there. */
export async function stageInOnNode(
  options: NodeStepOptions,
  node: string,
  id: string,
  where: { base: string; tag: string },
  archive: string | undefined,
): Promise<string> {
  const out = await runStep(
    options,
    node,
    `${id}.stage-in`,
    `staging into the node-local sandbox of ${id}`,
    STAGE_IN,
    [where.base, where.tag, id, archive === undefined ? "0" : "1"],
    archive,
  );
  const dir = (await readFile(out, "utf8")).trim().split("\n").at(-1) ?? "";
  if (!dir.startsWith("/")) {
    throw new FlotillaError("TASK_FAILED", `staging into ${id} on node ${node}: the sandbox path did not come back`, {
      context: { node, id },
    });
  }
  return dir;
}

/** What the sandbox on `node` holds: paths relative to it, and which of them are directories. */
export async function listOnNode(
  options: NodeStepOptions,
  node: string,
  id: string,
  dir: string,
): Promise<{ paths: string[]; dirs: Set<string> }> {
  const out = await runStep(options, node, `${id}.list`, `listing the node-local sandbox of ${id}`, LIST, [dir]);
  const paths: string[] = [];
  const dirs = new Set<string>();
  for (const line of (await readFile(out, "utf8")).split("\n")) {
    if (line.length < 3) continue;
    const path = line.slice(2);
    paths.push(path);
    if (line.startsWith("d ")) dirs.add(path);
  }
  return { paths, dirs };
}

/**
 * Packs the paths listed in `listFile` (one `./path` a line; none when
 * undefined) into an archive here, and removes the sandbox on the node.
 * Returns the archive's path.
 */
export async function collectOnNode(
  options: NodeStepOptions,
  node: string,
  id: string,
  dir: string,
  listFile: string | undefined,
): Promise<string> {
  return runStep(
    options,
    node,
    `${id}.collect`,
    `collecting the outputs of ${id} from its node-local sandbox`,
    COLLECT,
    [dir, listFile === undefined ? "0" : "1"],
    listFile,
  );
}
