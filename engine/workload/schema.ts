/**
 * The workload file schema (docs/workload.md). Strict objects: unknown keys
 * are errors. Durations are normalised to milliseconds.
 */

import { z } from "zod";
import { BACKENDS, type BackendName } from "./backends.js";
import { parseDuration } from "./duration.js";
import { LIMITS } from "./limits.js";

// abort: a 10 MB name gets one message about its length, not a second about its characters.
const name = z
  .string()
  .max(LIMITS.nameChars, { abort: true })
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
/** Whole numbers; every one has a ceiling so that no typo allocates a billion of anything. */
const count = (min: number, max: number) => z.number().int().min(min).max(max);
/** Settings where even the ceiling is only a guard: nothing is allocated per unit. */
const SETTING_MAX = 1_000_000;

export const PLATFORMS = ["local", "slurm", "flux", "auto"] as const;
export type PlatformName = (typeof PLATFORMS)[number];

/** How processes start on a Slurm allocation: one srun step each, or jobs of a Flux instance started in it. */
export const LAUNCHERS = ["srun", "flux"] as const;
export type LauncherName = (typeof LAUNCHERS)[number];

export const allocationSchema = z.strictObject({
  platform: z.enum(PLATFORMS).optional(),
  /** Slurm only: `flux` starts a Flux instance across the job and launches everything through it. */
  launcher: z.enum(LAUNCHERS).optional(),
  nodes: count(1, LIMITS.nodes).optional(),
  /** Per node. On local: detected when absent. */
  cores: count(1, LIMITS.coresPerNode).optional(),
  /** Per node. On local: created when given, even without hardware. */
  gpus: count(0, LIMITS.gpusPerNode).optional(),
  walltime: duration.optional(),
  partition: z.string().optional(),
  account: z.string().optional(),
  qos: z.string().optional(),
  constraint: z.string().optional(),
  reservation: z.string().optional(),
  extra_args: z.array(z.string()).optional(),
  /** Base directory of `workdir: node-local` sandboxes on each node ({node} allowed); absent: $TMPDIR or /tmp there. */
  node_local: z.string().min(1).optional(),
});

export const readySchema = z.union([
  z.strictObject({ http: z.string().startsWith("/", "must be a path starting with '/'") }),
  z.strictObject({ tcp: z.literal(true) }),
  z.strictObject({ log: z.string() }),
]);

/** Liveness defaults (docs/workload.md, "liveness"). */
export const LIVENESS_DEFAULTS = { every: 5_000, timeout: 2_000, failures: 3 } as const;

const livenessChecks = z
  .strictObject({
    every: duration.default(LIVENESS_DEFAULTS.every),
    /** Absent: the default, or `every` when that is shorter. */
    timeout: duration.optional(),
    failures: count(1, SETTING_MAX).default(LIVENESS_DEFAULTS.failures),
  })
  .superRefine((value, ctx) => {
    if (value.every < 100) {
      ctx.addIssue({
        code: "custom",
        path: ["every"],
        message: "must be at least 100ms (checks would flood the instance)",
      });
    }
    if (value.timeout === undefined) return;
    if (value.timeout < 10) ctx.addIssue({ code: "custom", path: ["timeout"], message: "must be at least 10ms" });
    else if (value.timeout > value.every) {
      ctx.addIssue({ code: "custom", path: ["timeout"], message: "must not be longer than `every`" });
    }
  });

/** `off`, or how often an instance is checked once ready, how long a check may take, and how many fail in a row before it is restarted. */
export const livenessSchema = z
  .union([z.literal("off"), z.literal(false), livenessChecks], {
    error: "must be off, or a mapping with every, timeout and failures (e.g. { every: 5s, timeout: 2s, failures: 3 })",
  })
  .transform((value) =>
    value === "off" || value === false
      ? ("off" as const)
      : { ...value, timeout: value.timeout ?? Math.min(LIVENESS_DEFAULTS.timeout, value.every) },
  );

// Declared zod-free for the service host; re-exported here with the rest of the schema.
export { BACKENDS, type BackendName };

export const BALANCERS = ["round_robin", "least_outstanding", "power_of_two"] as const;
export type BalancerName = (typeof BALANCERS)[number];

const endpointUrl = z.string().regex(/^(https?|tcp|ipc):\/\//, "must start with http://, https://, tcp:// or ipc://");

/**
 * A remote instance: its URL, and where its credentials come from (never a
 * secret itself, docs/security.md). An `http(s)://` server may want a bearer
 * token (`token_file` or `token_env`); a `tcp://` Flotilla host wants CURVE
 * keys: `server_key` inline (40 Z85 characters) or a file, `client_keys` a
 * file with the client pair.
 */
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
      server_key: z.string().min(1).optional(),
      client_keys: z.string().min(1).optional(),
    })
    .superRefine((endpoint, ctx) => {
      if (endpoint.token_file !== undefined && endpoint.token_env !== undefined) {
        ctx.addIssue({ code: "custom", message: "give token_file or token_env, not both" });
      }
      const token = endpoint.token_file !== undefined || endpoint.token_env !== undefined;
      if (token && !/^https?:\/\//.test(endpoint.url)) {
        ctx.addIssue({ code: "custom", message: "a token is sent only to http:// and https:// endpoints" });
      }
      const keys = endpoint.server_key !== undefined || endpoint.client_keys !== undefined;
      if (keys && !endpoint.url.startsWith("tcp://")) {
        ctx.addIssue({ code: "custom", message: "server_key and client_keys are for tcp:// endpoints (CURVE)" });
      }
    }),
);

/** Autoscale defaults (docs/workload.md, "autoscale"). */
export const AUTOSCALE_DEFAULTS = {
  min: 1,
  target_outstanding: 4,
  up_after: 10_000,
  down_after: 60_000,
  drain_timeout: 30_000,
} as const;

/**
 * Instances that follow the load: between `min` and `max`, aiming at
 * `target_outstanding` requests (in flight plus queued) per ready instance.
 */
export const autoscaleSchema = z
  .strictObject({
    min: count(1, LIMITS.serviceInstances).default(AUTOSCALE_DEFAULTS.min),
    max: count(1, LIMITS.serviceInstances),
    target_outstanding: z.number().gt(0).max(SETTING_MAX).default(AUTOSCALE_DEFAULTS.target_outstanding),
    up_after: duration.default(AUTOSCALE_DEFAULTS.up_after),
    down_after: duration.default(AUTOSCALE_DEFAULTS.down_after),
    drain_timeout: duration.default(AUTOSCALE_DEFAULTS.drain_timeout),
  })
  .superRefine((value, ctx) => {
    if (value.max < value.min) {
      ctx.addIssue({ code: "custom", path: ["max"], message: `must be at least min (${value.min})` });
    }
  });
export const STAGE_MODES = ["copy", "link", "move"] as const;
export type StageMode = (typeof STAGE_MODES)[number];

/**
 * One entry of `inputs:` or `outputs:` (docs/workload.md, "Data staging"). A
 * plain string is `{ from: STRING }`. Paths may hold globs and {item},
 * {instance}, {node}; where they point is resolved at run time (engine/staging).
 */
export const stageEntrySchema = z.preprocess(
  (value) => (typeof value === "string" ? { from: value } : value),
  z.strictObject({
    from: z.string().min(1, "must name a file, directory or glob"),
    to: z.string().min(1).optional(),
    mode: z.enum(STAGE_MODES).default("copy"),
    /** A missing optional entry is skipped instead of failing the task. */
    optional: z.boolean().default(false),
  }),
);

/** `sandbox` (in the session), `node-local` (on the node's own disk), or a directory. */
const workdir = z.string().min(1, "must be sandbox, node-local or a directory");

export const serviceSchema = z.strictObject({
  name,
  /** Absent for `backend: noop` and for remote-only services (`endpoints`). */
  command: command.optional(),
  /** Request API of the instances. Absent: a plain process with no request path. */
  backend: z.enum(BACKENDS).optional(),
  /** Instances to launch; absent: 1, or 0 when the service lists `endpoints` (expand.ts launchedReplicas). */
  replicas: count(0, LIMITS.serviceInstances).optional(),
  /** Instead of `replicas`: start `min` instances and follow the load up to `max` (run/autoscale.ts). */
  autoscale: autoscaleSchema.optional(),
  cores: count(0, LIMITS.coresPerNode).default(1),
  gpus: count(0, LIMITS.gpusPerNode).default(0),
  ready: readySchema.optional(),
  startup_timeout: duration.default(60_000),
  env: env.default({}),
  /** Requests one instance works on at once. */
  max_inflight: count(1, SETTING_MAX).default(8),
  /** Requests queued per instance beyond max_inflight before explicit rejection. */
  max_queue: count(0, SETTING_MAX).default(256),
  /** Emulated inference time for `backend: noop`. */
  delay: z.strictObject({ mean_ms: z.number().min(0), sd_ms: z.number().min(0).default(0) }).optional(),
  /** Already-running remote instances (not launched): http(s):// (OpenAI-compatible) or tcp:// (a Flotilla service host). */
  endpoints: z.array(endpointSchema).optional(),
  /** How many times a failed instance is restarted after it was ready; absent: restartsOf(). */
  restarts: count(0, SETTING_MAX).optional(),
  /** Checks of an instance after it is ready (restarted when it stops answering). */
  liveness: livenessSchema.default({ ...LIVENESS_DEFAULTS }),
  /** How requests are spread over the instances: the HTTP front's, and inference tasks' that name none. */
  balance: z.enum(BALANCERS).default("round_robin"),
  /** Where each instance runs: `sandbox`, `node-local` or a directory; absent: where flotilla runs. */
  workdir: workdir.optional(),
  /** Files staged into each instance's workdir before it starts. */
  inputs: z.array(stageEntrySchema).optional(),
});

export const taskSchema = z.strictObject({
  name,
  command: command.optional(),
  count: count(1, LIMITS.taskProcesses).optional(),
  for_each: z
    .array(z.union([z.string().max(LIMITS.itemChars), z.number()]).transform(String))
    .min(1)
    .optional(),
  cores: count(0, LIMITS.coresPerNode).default(1),
  gpus: count(0, LIMITS.gpusPerNode).default(0),
  /** MPI ranks; cores and gpus are then per rank. */
  ranks: count(1, LIMITS.taskProcesses).optional(),
  uses: z.array(name).default([]),
  /** Runs only once these tasks (definition names or instance ids) all ended `done`. */
  after: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, "must be a task name or id")).default([]),
  env: env.default({}),
  timeout: duration.optional(),
  /** Inference task: send each line of `requests` to this service. */
  service: name.optional(),
  requests: z.string().optional(),
  concurrency: count(1, SETTING_MAX).default(16),
  /** Absent: the service's `balance`. */
  balance: z.enum(BALANCERS).optional(),
  request_timeout: duration.default(60_000),
  max_attempts: count(1, SETTING_MAX).default(3),
  /** Where each instance runs: `sandbox`, `node-local` or a directory; absent: where flotilla runs (a sandbox when it has inputs or outputs). */
  workdir: workdir.optional(),
  /** Files staged into the workdir before the process starts. */
  inputs: z.array(stageEntrySchema).optional(),
  /** Files collected from the workdir after it ends, also when it failed. */
  outputs: z.array(stageEntrySchema).optional(),
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
export type LivenessSpec = z.infer<typeof livenessSchema>;
export type AutoscaleSpec = z.infer<typeof autoscaleSchema>;
export type ServiceSpec = z.infer<typeof serviceSchema>;
export type TaskSpec = z.infer<typeof taskSchema>;
export type StageEntry = z.infer<typeof stageEntrySchema>;
export type Workload = z.infer<typeof workloadSchema>;

/** Services with a backend serve requests others wait for: one restart by default. Plain commands: none. */
export function restartsOf(service: Pick<ServiceSpec, "restarts" | "backend">): number {
  return service.restarts ?? (service.backend === undefined ? 0 : 1);
}
