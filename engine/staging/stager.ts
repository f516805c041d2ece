/**
 * Task and service sandboxes (docs/workload.md, "Data staging"): where an
 * instance runs, what is staged into it before its process starts, and what
 * is collected from it after the process ends, however it ended.
 *
 * - `sandbox`: `<session>/tasks/<id>/`, kept with the session.
 * - `node-local`: a 0700 directory on the node's own disk (`allocation.node_local`,
 *   else $TMPDIR or /tmp there), filled and emptied through steps on that node
 *   and removed once the outputs are back.
 * - a directory: used as it is (created 0700 when missing), never removed.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm, rmdir } from "node:fs/promises";
import { dirname, join, posix, resolve } from "node:path";
import { promisify } from "node:util";
import { errorMessage, FlotillaError } from "../errors.js";
import type { Launcher } from "../launch/types.js";
import type { Placement } from "../resources.js";
import { mkdirPrivate, writePrivateFileSync } from "../session/private-fs.js";
import type { StageEntry } from "../workload/schema.js";
import { renderString, type TemplateVars } from "../workload/template.js";
import { globMatcher } from "./glob.js";
import { eachLimited, matchLocal, TRANSFERS_AT_ONCE, transfer } from "./local.js";
import { collectOnNode, listOnNode, type NodeStepOptions, stageInOnNode } from "./node-steps.js";
import {
  destinationOf,
  insideSandbox,
  outermost,
  outsidePattern,
  renderEntry,
  type SourcePattern,
  sandboxPattern,
} from "./paths.js";

const run = promisify(execFile);

export interface StagedSpec {
  workdir?: string | undefined;
  inputs?: StageEntry[] | undefined;
  outputs?: StageEntry[] | undefined;
}

/** Whose sandbox: `id` names its directories, `label` ("task sim.3") its errors. */
export interface StageOwner {
  id: string;
  label: string;
  spec: StagedSpec;
}

export interface StagerOptions {
  sessionDir: string;
  /** Relative `from` of inputs, `to` of outputs and `workdir` paths resolve here. */
  workloadDir: string;
  launcher: Launcher;
  /** `allocation.node_local`: base directory of node-local sandboxes ({node} allowed). */
  nodeLocal?: string | undefined;
}

export interface Sandbox {
  owner: StageOwner;
  kind: "sandbox" | "node-local" | "dir";
  /** Where the process runs (on its node). */
  cwd: string;
  node: string;
  vars: TemplateVars;
}

type Kind = Sandbox["kind"];

/** The kind of workdir a spec asks for; undefined = none (run where flotilla runs). */
export function workdirKind(spec: StagedSpec): Kind | undefined {
  if (spec.workdir === "sandbox" || spec.workdir === "node-local") return spec.workdir;
  if (spec.workdir !== undefined) return "dir";
  return (spec.inputs?.length ?? 0) > 0 || (spec.outputs?.length ?? 0) > 0 ? "sandbox" : undefined;
}

export class Stager {
  readonly #options: StagerOptions;
  /** This run's directory name under a node-local base: unguessable, so nobody prepares it for us. */
  readonly #tag = `flotilla-${randomBytes(6).toString("hex")}`;

  constructor(options: StagerOptions) {
    this.#options = options;
  }

  /** Whether this spec has a workdir to prepare. */
  wants(spec: StagedSpec): boolean {
    return workdirKind(spec) !== undefined;
  }

  /**
   * Prepares the owner's workdir on the placed node and stages its inputs in.
   * Throws a FlotillaError naming the owner and the file when an input is
   * missing or cannot be staged; the process must then not start.
   */
  async stageIn(owner: StageOwner, placement: Placement, vars: TemplateVars): Promise<Sandbox> {
    const kind = workdirKind(owner.spec) ?? "sandbox";
    const node = placement.node;
    if (kind === "node-local") return this.#stageInNodeLocal(owner, node, vars);
    const cwd =
      kind === "sandbox"
        ? join(this.#options.sessionDir, "tasks", owner.id)
        : resolve(this.#options.workloadDir, renderString(owner.spec.workdir ?? ".", vars));
    this.#private(() => mkdirPrivate(cwd), owner, cwd);
    await this.#stageInputs(owner, vars, cwd);
    return { owner, kind, cwd, node, vars };
  }

  /**
   * Collects the outputs into their places. Returns the required outputs that
   * were missing (the task then fails); throws when collecting itself failed.
   * A node-local sandbox is removed afterwards.
   */
  async stageOut(sandbox: Sandbox): Promise<string[]> {
    const { owner, vars } = sandbox;
    const entries = (owner.spec.outputs ?? []).map((entry, i) => renderEntry(entry, vars, owner.label, "outputs", i));
    const fallback = join(this.#options.sessionDir, "outputs", owner.id);
    const missing: string[] = [];
    const plan: Array<{ source: string; destination: string; mode: StageEntry["mode"] }> = [];
    let root = sandbox.cwd;
    let scratch: string | undefined;
    let find = (pattern: SourcePattern) => matchLocal({ ...pattern, base: join(root, pattern.base) });
    try {
      if (sandbox.kind === "node-local") {
        scratch = this.#scratch(owner.id);
        const steps: NodeStepOptions = { launcher: this.#options.launcher, scratch };
        const patterns = entries.map((entry) => sandboxPattern(entry.from, entry.what));
        const listing = entries.length === 0 ? undefined : await listOnNode(steps, sandbox.node, owner.id, sandbox.cwd);
        const wanted =
          listing === undefined
            ? []
            : outermost(patterns.flatMap((p) => matchList(p, listing.paths).map((m) => joinBelow(p, m))));
        const listFile = wanted.length === 0 ? undefined : join(scratch, `${owner.id}.collect.list`);
        if (listFile !== undefined) writePrivateFileSync(listFile, wanted.map((path) => `./${path}\n`).join(""));
        const archive = await collectOnNode(steps, sandbox.node, owner.id, sandbox.cwd, listFile);
        root = join(scratch, "out");
        mkdirPrivate(root);
        if (listFile !== undefined) await run("tar", ["-x", "-f", archive, "-C", root]);
        const present = new Set(listing?.paths ?? []);
        find = async (pattern) => matchList(pattern, [...present]);
      }
      for (const entry of entries) {
        const pattern = sandboxPattern(entry.from, entry.what);
        const matches = await find(pattern);
        if (matches.length === 0) {
          if (!entry.optional) missing.push(`output ${JSON.stringify(entry.from)} was not produced`);
          continue;
        }
        for (const match of matches) {
          const source = join(root, match === "" ? pattern.base : join(pattern.base, match));
          const destination = destinationOf(pattern, match, entry.to, this.#options.workloadDir, fallback);
          // A node-local sandbox's files are a private copy here already: move them into place.
          plan.push({ source, destination, mode: sandbox.kind === "node-local" ? "move" : entry.mode });
        }
      }
      if (plan.some((step) => step.destination.startsWith(`${fallback}/`))) mkdirPrivate(fallback);
      await eachLimited(plan, TRANSFERS_AT_ONCE, (step) =>
        this.#transfer(owner, "output", step.source, step.destination, step.mode),
      );
    } finally {
      if (scratch !== undefined) await dropScratch(scratch);
    }
    return missing;
  }

  /** Removes a node-local sandbox without collecting anything (its process never started). */
  async discard(sandbox: Sandbox): Promise<void> {
    if (sandbox.kind !== "node-local") return;
    const scratch = this.#scratch(sandbox.owner.id);
    try {
      await collectOnNode(
        { launcher: this.#options.launcher, scratch },
        sandbox.node,
        sandbox.owner.id,
        sandbox.cwd,
        undefined,
      );
    } finally {
      await dropScratch(scratch);
    }
  }

  async #stageInNodeLocal(owner: StageOwner, node: string, vars: TemplateVars): Promise<Sandbox> {
    const scratch = this.#scratch(owner.id);
    try {
      const local = join(scratch, "in");
      mkdirPrivate(local);
      const staged = await this.#stageInputs(owner, vars, local);
      const archive = staged > 0 ? join(scratch, `${owner.id}.in.tar`) : undefined;
      if (archive !== undefined) await run("tar", ["-c", "-f", archive, "-C", local, "."]);
      const base =
        this.#options.nodeLocal === undefined ? "" : renderString(this.#options.nodeLocal, { ...vars, node });
      const steps = { launcher: this.#options.launcher, scratch };
      const cwd = await stageInOnNode(steps, node, owner.id, { base, tag: this.#tag }, archive);
      return { owner, kind: "node-local", cwd, node, vars };
    } finally {
      await dropScratch(scratch);
    }
  }

  /** Stages every input into `root`; returns how many paths were staged. */
  async #stageInputs(owner: StageOwner, vars: TemplateVars, root: string): Promise<number> {
    const entries = (owner.spec.inputs ?? []).map((entry, i) => renderEntry(entry, vars, owner.label, "inputs", i));
    const plan: Array<{ source: string; destination: string; mode: StageEntry["mode"] }> = [];
    // Every input is checked before any is staged: a missing one fails the task with nothing moved.
    for (const entry of entries) {
      if (entry.to !== undefined) insideSandbox(entry.to, entry.what);
      const pattern = outsidePattern(entry.from, this.#options.workloadDir);
      const matches = await matchLocal(pattern);
      if (matches.length === 0) {
        if (entry.optional) continue;
        const what = pattern.glob
          ? `no file matches ${posix.join(pattern.base, pattern.rest)}`
          : `${pattern.base} does not exist`;
        throw new FlotillaError("TASK_FAILED", `${entry.what}: input missing: ${what}; the process was not started`, {
          context: { path: pattern.base, owner: owner.id },
        });
      }
      for (const match of matches) {
        const source = match === "" ? pattern.base : join(pattern.base, match);
        plan.push({ source, destination: destinationOf(pattern, match, entry.to, root, root), mode: entry.mode });
      }
    }
    await eachLimited(plan, TRANSFERS_AT_ONCE, (step) =>
      this.#transfer(owner, "input", step.source, step.destination, step.mode),
    );
    return plan.length;
  }

  async #transfer(
    owner: StageOwner,
    what: "input" | "output",
    source: string,
    destination: string,
    mode: StageEntry["mode"],
  ): Promise<void> {
    try {
      await transfer(source, destination, mode);
    } catch (error) {
      throw new FlotillaError(
        "TASK_FAILED",
        `${owner.label}: could not ${mode} ${what} ${source} to ${destination}: ${errorMessage(error)}`,
        { context: { source, destination, owner: owner.id }, cause: error },
      );
    }
  }

  #scratch(id: string): string {
    const dir = join(this.#options.sessionDir, "staging", id);
    mkdirPrivate(dir);
    return dir;
  }

  #private(make: () => unknown, owner: StageOwner, dir: string): void {
    try {
      make();
    } catch (error) {
      throw new FlotillaError(
        "TASK_FAILED",
        `${owner.label}: cannot create its workdir ${dir}: ${errorMessage(error)}`,
        {
          context: { dir, owner: owner.id },
          cause: error,
        },
      );
    }
  }
}

/** Removes a scratch directory, and the session's staging/ with it once that is empty. */
async function dropScratch(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await rmdir(dirname(dir)).catch(() => undefined);
}

/** Matches of `pattern` (relative to the sandbox) among the listed paths, as paths below its base. */
function matchList(pattern: SourcePattern, paths: readonly string[]): string[] {
  const base = pattern.base === "." ? "" : pattern.base;
  if (!pattern.glob) return paths.includes(base) || base === "" ? [""] : [];
  const match = globMatcher(pattern.rest);
  const below = paths
    .filter((path) => base === "" || path.startsWith(`${base}/`))
    .map((path) => (base === "" ? path : path.slice(base.length + 1)))
    .filter(match);
  return outermost(below);
}

/** A match below a pattern's base, as a path relative to the sandbox. */
function joinBelow(pattern: SourcePattern, match: string): string {
  if (match === "") return pattern.base;
  return pattern.base === "." ? match : `${pattern.base}/${match}`;
}
