/**
 * The request APIs a service can have, zod-free so that a service host can
 * name them without loading the workload schema.
 */
export const BACKENDS = ["openai", "noop", "stdio"] as const;
export type BackendName = (typeof BACKENDS)[number];
