/** The records of the autoscale experiment (autoscale.ts measures, figures.ts draws). */
import type { Stats } from "./stats.js";

export const ARMS = ["min", "max", "autoscale"] as const;
export type Arm = (typeof ARMS)[number];

export interface AutoscaleRound {
  arm: Arm;
  round: number;
  session: string;
  exit_code: number | null;
  requests: number;
  errors: number;
  /** Whole request time over every request of the run (the final metrics), ms. */
  p50_ms: number;
  p99_ms: number;
  gpu_seconds: number;
  instance_seconds: number;
  /** First burst starting → last burst ending. */
  seconds: number;
  peak_instances: number;
  scale_ups: number;
  scale_downs: number;
  /** Ready instances after each change: [seconds since the first burst started, count]. */
  ready_steps: Array<[number, number]>;
  /** p99_ms and gpu_seconds over the baseline arm's in the same round. */
  p99_ratio?: number;
  gpu_ratio?: number;
  error?: string;
}

export interface AutoscaleRow {
  arm: Arm;
  rounds: number;
  p50_ms: Stats;
  p99_ms: Stats;
  gpu_seconds: Stats;
  seconds: Stats;
  peak_instances: number;
  p99_ratio?: Stats;
  gpu_ratio?: Stats;
}

const ARM_NAMES: Record<Arm, (o: Record<string, unknown>) => string> = {
  min: (o) => `fixed ${o.min}`,
  max: (o) => `fixed ${o.max}`,
  autoscale: (o) => `autoscale ${o.min}..${o.max}`,
};

/** `fixed 1`, `fixed 4`, `autoscale 1..4`, from the run's options. */
export function armName(arm: Arm, options: Record<string, unknown>): string {
  return ARM_NAMES[arm](options);
}
