/**
 * The clients × instances grid of experiments 2 and 3. Each configuration
 * is one real `flotilla run`: the service's instances (launched here, or
 * remote `serve` hosts behind the latency proxy) and one inference task per
 * client, each with `--window` requests in flight (1: a blocking client, as
 * in the paper). Strong scaling splits `--requests` over the clients; weak
 * scaling sends `--requests` per instance.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FlotillaError } from "../../engine/index.js";
import { parseCount } from "../options.js";
import type { BaselineMeasurement } from "./baseline/baseline.js";
import { type BenchContext, type CommonFlags, parseList, type RawService, runFlags } from "./common.js";
import type { RemotePool } from "./remote.js";
import { ofType, runWorkload } from "./run-workload.js";
import { round3 } from "./stats.js";

export interface GridFlags extends CommonFlags {
  clients: string;
  requests: string;
  scaling: string;
  modes: string;
  delay: string;
  jitter: string;
  window: string;
}

export type Mode = "local" | "remote";
export type Scaling = "strong" | "weak";

export interface Cell {
  mode: Mode;
  scaling: Scaling;
  clients: number;
  instances: number;
  perClient: number;
}

export interface GridPlan {
  instances: number[];
  clients: number[];
  modes: Mode[];
  scalings: Scaling[];
  rounds: number;
  requests: number;
  window: number;
  delayMs: number;
  jitterMs: number;
}

function pick<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  const values = text.split(",").map((v) => v.trim());
  for (const v of values)
    if (!allowed.includes(v as T))
      throw new FlotillaError("USAGE", `${flag}: ${v} is not one of ${allowed.join(", ")}`);
  return [...new Set(values)] as T[];
}

export function gridPlan(flags: GridFlags, defaultInstances: string): GridPlan {
  const ms = (flag: string, text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0)
      throw new FlotillaError("USAGE", `${flag} expects milliseconds >= 0, got ${text}`);
    return value;
  };
  return {
    instances: parseList("--instances", flags.instances ?? defaultInstances),
    clients: parseList("--clients", flags.clients),
    modes: pick("--modes", flags.modes, ["local", "remote"] as const),
    scalings: pick("--scaling", flags.scaling, ["strong", "weak"] as const),
    rounds: parseCount("--rounds", flags.rounds, 1),
    requests: parseCount("--requests", flags.requests, 1),
    window: parseCount("--window", flags.window, 1),
    delayMs: ms("--delay", flags.delay),
    jitterMs: ms("--jitter", flags.jitter),
  };
}

export function cellsOf(plan: GridPlan, mode: Mode): Cell[] {
  return plan.scalings.flatMap((scaling) =>
    plan.instances.flatMap((instances) =>
      plan.clients.map((clients) => {
        const total = scaling === "strong" ? plan.requests : plan.requests * instances;
        return { mode, scaling, clients, instances, perClient: Math.max(1, Math.ceil(total / clients)) };
      }),
    ),
  );
}

export const cellName = (c: Pick<Cell, "mode" | "scaling" | "clients" | "instances">) =>
  `${c.mode}-${c.scaling}-c${c.clients}-n${c.instances}`;

export interface GridRound {
  runtime: "flotilla" | "baseline";
  mode: Mode;
  scaling: Scaling;
  clients: number;
  instances: number;
  round: number;
  requests: number;
  errors: number;
  seconds: number;
  throughput: number;
  communication: { mean: number; p50: number; p99: number };
  service: { mean: number; p50: number; p99: number };
  inference: { mean: number; p50: number; p99: number };
  total: { mean: number; p50: number; p99: number };
  per_instance?: number[];
  completion_tokens?: number;
  tokens_per_s?: number;
  session?: string;
  exit_code?: number | null;
  error?: string;
}

export interface FlotillaCellInput {
  ctx: BenchContext;
  flags: GridFlags;
  plan: GridPlan;
  cell: Cell;
  round: number;
  service: RawService;
  allocation: Record<string, unknown>;
  request: object;
  remote?: RemotePool;
  /** Count generated tokens (a real model's `usage`). */
  tokens?: boolean;
}

/** One configuration, one round, through a real `flotilla run`. */
export async function measureFlotilla(input: FlotillaCellInput): Promise<GridRound | undefined> {
  const { ctx, cell, service, plan } = input;
  const name = `${cellName(cell)}-r${input.round}`;
  const requestsFile = join(ctx.dir, "workloads", `requests-${cell.perClient}.jsonl`);
  if (!existsSync(requestsFile))
    writeFileSync(requestsFile, `${JSON.stringify(input.request)}\n`.repeat(cell.perClient));
  const gpusEach = Number(service.gpus ?? 0);
  const coresEach = Number(service.cores ?? 1);
  const instances =
    cell.mode === "remote"
      ? { name: service.name, endpoints: input.remote!.endpoints.slice(0, cell.instances) }
      : { ...service, replicas: cell.instances };
  const clients = Array.from({ length: cell.clients }, (_, i) => ({
    name: `client${i}`,
    service: service.name,
    requests: `requests-${cell.perClient}.jsonl`,
    concurrency: plan.window,
    request_timeout: "10m",
    max_attempts: 1,
  }));
  const file = ctx.workload(name, {
    version: 1,
    name: "bench",
    allocation: input.allocation,
    services: [instances],
    tasks: clients,
  });
  const session = ctx.sessionDir(name);
  const local = cell.mode === "local";
  const outcome = await runWorkload({
    workloadFile: file,
    sessionDir: session,
    flags: runFlags(input.flags, {
      cores: (local ? cell.instances * coresEach : 0) + cell.clients + 1,
      gpus: local ? cell.instances * gpusEach : 0,
    }),
    signal: ctx.signal,
  });
  if (ctx.signal.aborted) return undefined;
  const tasks = ofType(outcome.events, "task:state");
  const started = tasks.filter((e) => e.state === "running").map((e) => e.ts);
  const ended = tasks.filter((e) => ["done", "failed", "canceled"].includes(e.state)).map((e) => e.ts);
  const metrics = ofType(outcome.events, "metrics").findLast((e) => e.final);
  const svc = metrics?.services.find((s) => s.service === service.name);
  const base = {
    runtime: "flotilla" as const,
    ...cellKey(cell),
    round: input.round,
    session,
    exit_code: outcome.exitCode,
  };
  if (svc === undefined || started.length === 0 || ended.length < cell.clients) {
    const error = `no measurement (exit ${outcome.exitCode}): ${outcome.stderrTail.slice(-3).join(" / ")}`;
    return { ...base, ...emptyRound(), error };
  }
  const seconds = Math.max(0.001, (Math.max(...ended) - Math.min(...started)) / 1_000);
  const pick = (s: { mean: number; p50: number; p99: number }) => ({ mean: s.mean, p50: s.p50, p99: s.p99 });
  const round: GridRound = {
    ...base,
    requests: svc.completed + svc.errors,
    errors: svc.errors,
    seconds: round3(seconds),
    throughput: round3(svc.completed / seconds),
    communication: pick(svc.latency.communication),
    service: pick(svc.latency.service),
    inference: pick(svc.latency.inference),
    total: pick(svc.latency.total),
    per_instance: svc.instances.map((i) => i.completed),
  };
  const tokens = input.tokens === true ? completionTokens(session, cell.clients) : undefined;
  if (tokens !== undefined) {
    round.completion_tokens = tokens;
    round.tokens_per_s = round3(tokens / seconds);
  }
  return round;
}

const cellKey = (c: Cell) => ({ mode: c.mode, scaling: c.scaling, clients: c.clients, instances: c.instances });

function emptyRound() {
  const zero = { mean: 0, p50: 0, p99: 0 };
  return {
    requests: 0,
    errors: 0,
    seconds: 0,
    throughput: 0,
    communication: zero,
    service: zero,
    inference: zero,
    total: zero,
  };
}

/** Generated tokens over every answer, where the backend reports `usage`. */
function completionTokens(session: string, clients: number): number | undefined {
  let sum = 0;
  let reported = false;
  for (let i = 0; i < clients; i++) {
    const file = join(session, "tasks", `client${i}`, "responses.jsonl");
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line === "") continue;
      const tokens = (JSON.parse(line) as { response?: { usage?: { completion_tokens?: number } } }).response?.usage
        ?.completion_tokens;
      if (typeof tokens === "number") {
        sum += tokens;
        reported = true;
      }
    }
  }
  return reported ? sum : undefined;
}

export function baselineRound(cell: Cell, round: number, m: BaselineMeasurement): GridRound {
  const pick = (s: { mean: number; p50: number; p99: number }) => ({ mean: s.mean, p50: s.p50, p99: s.p99 });
  return {
    runtime: "baseline",
    ...cellKey(cell),
    round,
    requests: m.requests,
    errors: 0,
    seconds: m.seconds,
    throughput: m.throughput,
    communication: pick(m.communication),
    service: pick(m.service),
    inference: pick(m.inference),
    total: pick(m.total),
  };
}
