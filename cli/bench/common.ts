/**
 * What every experiment shares: list flags, the service under test (the NOOP
 * host or one from a workload file), the `run` flags, and the loop that
 * measures, records, saves after each measurement and stops cleanly on
 * Ctrl-C.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { FlotillaError, loadWorkload } from "../../engine/index.js";
import { parseCount } from "../options.js";
import { VERSION } from "../version.js";
import { chooseProgress, type Progress } from "./progress.js";
import { type BenchResults, type Experiment, newResults, resultsDir, writeResults } from "./results.js";

export interface CommonFlags {
  instances?: string;
  rounds: string;
  out?: string;
  json?: boolean;
  platform?: string;
  nodes?: string;
  cores?: string;
  gpus?: string;
  workload?: string;
  service?: string;
}

/** `1,2,4` → [1, 2, 4]: whole numbers ≥ 1, in the order given, no repeats. */
export function parseList(flag: string, text: string): number[] {
  const values = text.split(",").map((part) => parseCount(flag, part, 1));
  if (new Set(values).size !== values.length) throw new FlotillaError("USAGE", `${flag}: a value is repeated`);
  return values;
}

export type RawService = Record<string, unknown> & { name: string };

export interface ServiceUnderTest {
  service: RawService;
  /** The workload file's allocation block (Slurm partition, account, …), if any. */
  allocation: Record<string, unknown>;
}

/** The service named in `--workload FILE --service NAME` as written there, or `fallback`. */
export async function serviceUnderTest(flags: CommonFlags, fallback: RawService): Promise<ServiceUnderTest> {
  if (flags.workload === undefined) {
    if (flags.service !== undefined) throw new FlotillaError("USAGE", "--service needs --workload FILE");
    return { service: fallback, allocation: {} };
  }
  // Validates with the run's own messages, then keeps the service exactly as written.
  const loaded = await loadWorkload(flags.workload);
  const raw = parse(readFileSync(loaded.file, "utf8")) as { services?: RawService[]; allocation?: object };
  const services = raw.services ?? [];
  const name = flags.service ?? (services.length === 1 ? services[0]?.name : undefined);
  const service = services.find((s) => s.name === name);
  if (service === undefined) {
    const names = services.map((s) => s.name).join(", ") || "none";
    throw new FlotillaError("USAGE", `--service: name one of the workload's services (${names})`);
  }
  return { service: { ...service }, allocation: { ...(raw.allocation ?? {}) } };
}

/** `run` flags for a measurement; on local, enough core slots and fake GPU ids for what it places unless given. */
export function runFlags(flags: CommonFlags, need: { cores: number; gpus: number }): string[] {
  const out: string[] = [];
  const platform = flags.platform ?? "local";
  if (flags.platform !== undefined) out.push("--platform", flags.platform);
  if (flags.nodes !== undefined) out.push("--nodes", flags.nodes);
  if (flags.cores !== undefined) out.push("--cores", flags.cores);
  else if (platform === "local") out.push("--cores", String(need.cores));
  if (flags.gpus !== undefined) out.push("--gpus", flags.gpus);
  else if (platform === "local" && need.gpus > 0) out.push("--gpus", String(need.gpus));
  return out;
}

export interface BenchContext {
  dir: string;
  results: BenchResults;
  progress: Progress;
  signal: AbortSignal;
  /** Writes a generated workload into the results directory; returns its path. */
  workload(name: string, body: object): string;
  sessionDir(name: string): string;
  /** Records one measurement, refolds the rows and saves everything. */
  record(round: Record<string, unknown>): void;
}

export interface BenchSpec {
  experiment: Experiment;
  flags: CommonFlags;
  options: Record<string, unknown>;
  total: number;
  fold(rounds: Record<string, unknown>[]): Record<string, unknown>[];
  summary(results: BenchResults): string;
  measure(ctx: BenchContext): Promise<void>;
}

/** Runs an experiment; exit code 0, 130/143 when interrupted (what was measured is still written). */
export async function runBench(spec: BenchSpec): Promise<number> {
  const dir = resultsDir(spec.experiment, spec.flags.out);
  const results = newResults(spec.experiment, VERSION, spec.flags.platform ?? "local", spec.options);
  const progress = chooseProgress(spec.flags.json === true);
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => () => {
    if (signalled !== undefined) return;
    signalled = signal;
    progress.note(`flotilla bench: ${signal} received, stopping; what was measured is kept`);
    controller.abort();
  };
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  const save = () => {
    results.rows = spec.fold(results.rounds);
    writeResults(dir, results);
  };
  const ctx: BenchContext = {
    dir,
    results,
    progress,
    signal: controller.signal,
    workload(name, body) {
      const file = join(dir, "workloads", `${name}.json`);
      writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
      return file;
    },
    sessionDir: (name) => join(dir, "sessions", name),
    record(round) {
      results.rounds.push(round);
      progress.measured(round);
      save();
    },
  };
  mkdirSync(join(dir, "workloads"), { recursive: true });
  mkdirSync(join(dir, "sessions"), { recursive: true });
  progress.start(spec.experiment, dir, spec.total);
  try {
    await spec.measure(ctx);
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    results.ended = Date.now();
    results.complete = signalled === undefined;
    if (signalled !== undefined) results.interrupted = true;
    save();
  }
  progress.finish({ results_dir: dir, ...results });
  if (spec.flags.json !== true) process.stdout.write(spec.summary(results));
  return signalled === "SIGINT" ? 130 : signalled === "SIGTERM" ? 143 : 0;
}
