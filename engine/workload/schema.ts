/**
 * The workload file schema (docs/workload.md). Strict objects: unknown keys
 * are errors. Durations are normalised to milliseconds.
 */
import { z } from "zod";
import { parseDuration } from "./duration.js";

const name = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "must start with a letter and use only letters, digits, '_' and '-'");

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `not a duration: ${JSON.stringify(value)} (try 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

const command = z.array(z.string()).min(1, "must name a program");
const env = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const count = (min: number) => z.number().int().min(min);

export const PLATFORMS = ["local", "slurm", "flux", "auto"] as const;
export type PlatformName = (typeof PLATFORMS)[number];

/** How processes start on a Slurm allocation: one srun step each, or jobs of a Flux instance started in it. */
export const LAUNCHERS = ["srun", "flux"] as const;
export type LauncherName = (typeof LAUNCHERS)[number];

export const allocationSchema = z.strictObject({
  platform: z.enum(PLATFORMS).optional(),
  /** Slurm only: `flux` starts a Flux instance across the job and launches everything through it. */
  launcher: z.enum(LAUNCHERS).optional(),
  nodes: count(1).optional(),
  /** Per node. On local: detected when absent. */
  cores: count(1).optional(),
  /** Per node. On local: created when given, even without hardware. */
  gpus: count(0).optional(),
  walltime: duration.optional(),
  partition: z.string().optional(),
  account: z.string().optional(),
  qos: z.string().optional(),
  constraint: z.string().optional(),
  reservation: z.string().optional(),
  extra_args: z.array(z.string()).optional(),
});

export const readySchema = z.union([
  z.strictObject({ http: z.string().startsWith("/", "must be a path starting with '/'") }),
  z.strictObject({ tcp: z.literal(true) }),
  z.strictObject({ log: z.string() }),
]);

export const BACKENDS = ["openai", "noop"] as const;
export type BackendName = (typeof BACKENDS)[number];

export const BALANCERS = ["round_robin", "least_outstanding"] as const;
export type BalancerName = (typeof BALANCERS)[number];

const endpointUrl = z.string().regex(/^(https?|tcp|ipc):\/\//, "must start with http://, https://, tcp:// or ipc://");

/** A remote instance: its URL, and for an HTTP server where its bearer token comes from (never the token itself). */
export const endpointSchema = z.preprocess(
  (value) => (typeof value === "string" ? { url: value } : value),
  z
    .strictObject({
      url: endpointUrl,
      /** A file holding the token, relative to the workload file. */
      token_file: z.string().min(1).optional(),
      /** An environment variable of `flotilla run` holding the token. */
      token_env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
        .optional(),
    })
    .superRefine((endpoint, ctx) => {
      if (endpoint.token_file !== undefined && endpoint.token_env !== undefined) {
        ctx.addIssue({ code: "custom", message: "give token_file or token_env, not both" });
      }
      const token = endpoint.token_file !== undefined || endpoint.token_env !== undefined;
      if (token && !/^https?:\/\//.test(endpoint.url)) {
        ctx.addIssue({ code: "custom", message: "a token is sent only to http:// and https:// endpoints" });
      }
    }),
);

export const serviceSchema = z.strictObject({
  name,
  /** Absent for `backend: noop` and for remote-only services (`endpoints`). */
  command: command.optional(),
  /** Request API of the instances. Absent: a plain process with no request path. */
  backend: z.enum(BACKENDS).optional(),
  replicas: count(1).default(1),
  cores: count(0).default(1),
  gpus: count(0).default(0),
  ready: readySchema.optional(),
  startup_timeout: duration.default(60_000),
  env: env.default({}),
  /** Requests one instance works on at once. */
  max_inflight: count(1).default(8),
  /** Requests queued per instance beyond max_inflight before explicit rejection. */
  max_queue: count(0).default(256),
  /** Emulated inference time for `backend: noop`. */
  delay: z.strictObject({ mean_ms: z.number().min(0), sd_ms: z.number().min(0).default(0) }).optional(),
  /** Already-running remote instances (not launched): http(s):// (OpenAI-compatible) or tcp:// (a Flotilla service host). */
  endpoints: z.array(endpointSchema).optional(),
  /** How many times a failed instance is restarted after it was ready. */
  restarts: count(0).default(0),
});

export const taskSchema = z.strictObject({
  name,
  command: command.optional(),
  count: count(1).optional(),
  for_each: z
    .array(z.union([z.string(), z.number()]).transform(String))
    .min(1)
    .optional(),
  cores: count(0).default(1),
  gpus: count(0).default(0),
  /** MPI ranks; cores and gpus are then per rank. */
  ranks: count(1).optional(),
  uses: z.array(name).default([]),
  env: env.default({}),
  timeout: duration.optional(),
  /** Inference task: send each line of `requests` to this service. */
  service: name.optional(),
  requests: z.string().optional(),
  concurrency: count(1).default(16),
  balance: z.enum(BALANCERS).default("round_robin"),
  request_timeout: duration.default(60_000),
  max_attempts: count(1).default(3),
});

export const workloadSchema = z.strictObject({
  version: z.literal(1, { error: "must be 1" }),
  name: name.optional(),
  allocation: allocationSchema.default({}),
  services: z.array(serviceSchema).default([]),
  tasks: z.array(taskSchema).default([]),
});

export type AllocationSpec = z.infer<typeof allocationSchema>;
export type ReadySpec = z.infer<typeof readySchema>;
export type EndpointSpec = z.infer<typeof endpointSchema>;
export type ServiceSpec = z.infer<typeof serviceSchema>;
export type TaskSpec = z.infer<typeof taskSchema>;
export type Workload = z.infer<typeof workloadSchema>;
