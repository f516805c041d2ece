/** The shape of results.json (results.ts writes it, figures.ts and report read it). */
export type Experiment = "bootstrap" | "response" | "inference" | "autoscale";

export interface BenchResults {
  v: 1;
  experiment: Experiment;
  version: string;
  started: number;
  ended?: number;
  /** false while running and after an interruption. */
  complete: boolean;
  interrupted?: boolean;
  machine: { hostname: string; cpus: number; platform: string };
  options: Record<string, unknown>;
  notes: string[];
  /** One record per measurement (a round of one configuration). */
  rounds: Record<string, unknown>[];
  /** Rounds folded per configuration: what the summary and the figures show. */
  rows: Record<string, unknown>[];
}
