/**
 * The control protocol of a running session (docs/control.md): one JSON
 * object per line in each direction over the session's Unix-domain socket.
 * Every request carries `v`, an `id` the answer repeats, the session's
 * `token` (from control.json) and an `op`. Versioned like the events: fields
 * are added, never renamed or removed without bumping `v`.
 */
import { z } from "zod";

export const CONTROL_VERSION = 1 as const;
/** Longest request line accepted; longer ones are refused and the connection closed. */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
export const CONTROL_FILE = "control.json";
export const SOCKET_NAME = "control.sock";

const ids = z.array(z.string().min(1).max(1000)).max(100_000);
const base = {
  v: z.literal(CONTROL_VERSION),
  id: z.union([z.string().max(200), z.number()]),
  token: z.string().max(200),
};

export const controlRequestSchema = z.discriminatedUnion("op", [
  z.strictObject({
    ...base,
    op: z.literal("submit"),
    /** The submission: a workload file's text (YAML or JSON) with `version: 1` and `tasks:`. */
    text: z.string(),
    /** How to name it in messages (a file name). */
    source: z.string().max(4096).default("submission"),
    /** Directory relative paths in it (inference `requests:`) resolve against; absolute. */
    dir: z.string().max(4096).optional(),
  }),
  z.strictObject({ ...base, op: z.literal("status") }),
  /** Answers once every listed task has ended (no tasks: every task the session has now). */
  z.strictObject({ ...base, op: z.literal("wait"), tasks: ids.default([]), events: z.boolean().default(false) }),
  z.strictObject({ ...base, op: z.literal("cancel"), tasks: ids.min(1) }),
  z.strictObject({ ...base, op: z.literal("down") }),
  z.strictObject({
    ...base,
    op: z.literal("scale"),
    service: z.string().max(200),
    replicas: z.number().int().min(0).max(10_000),
  }),
]);

export type ControlRequest = z.infer<typeof controlRequestSchema>;
export type ControlOp = ControlRequest["op"];

/** What a refused request says; `problems` as `flotilla validate` locates them. */
export interface ControlError {
  code: string;
  message: string;
  problems?: unknown[];
}

export type ControlReply =
  | ({ v: typeof CONTROL_VERSION; id: string | number | null; ok: true } & Record<string, unknown>)
  | { v: typeof CONTROL_VERSION; id: string | number | null; ok: false; error: ControlError };

/** control.json: where the socket is and the token every request carries (a 0600 file in the 0700 session dir). */
export interface ControlRecord {
  v: typeof CONTROL_VERSION;
  socket: string;
  token: string;
  pid: number;
}
