/**
 * Flux jobspecs (RFC 14/25, version 1) for Flotilla's placements, built here
 * so that submitting needs only the C `flux job submit` (pure).
 */
import type { Slot } from "../../resources.js";

export interface JobspecOptions {
  /** Task command, already wrapped with whatever pins it. */
  command: string[];
  /** The whole environment of the tasks: Flux passes nothing else. */
  environment: Record<string, string>;
  cwd: string;
  name: string;
  /** Broker rank of each node that appears in the slots. */
  rankOf: (node: string) => number;
  /** Ask Flux for the GPUs too (false where the GPU ids are planned ones without hardware). */
  requestGpus: boolean;
}

type Resource = { type: string; count: number; with?: Resource[]; label?: string };

/**
 * One job for one process (`slots` of length 1) or one MPI job of one task per
 * slot. Tasks are laid out per node, the same count on every node, because
 * Flux numbers tasks node by node (block): the caller orders its per-rank
 * lists the same way (see `taskOrder`). Cores: at least one, as Flux cannot
 * run a task on none; GPUs: as many as the slot has, when they are real.
 */
export function buildJobspec(slots: readonly Slot[], options: JobspecOptions): Record<string, unknown> {
  const nodes = [...new Set(slots.map((s) => s.node))];
  const first = slots[0] ?? { node: "", cores: [], gpus: [] };
  const perNode = slots.length / Math.max(1, nodes.length);
  const slot: Resource[] = [{ type: "core", count: Math.max(1, first.cores.length) }];
  if (options.requestGpus && first.gpus.length > 0) slot.push({ type: "gpu", count: first.gpus.length });
  const resources: Resource[] = [
    {
      type: "node",
      count: nodes.length,
      with: [{ type: "slot", count: perNode, label: "task", with: slot }],
    },
  ];
  const ranks = nodes.map((node) => String(options.rankOf(node)));
  return {
    version: 1,
    resources,
    tasks: [{ command: options.command, slot: "task", count: { per_slot: 1 } }],
    attributes: {
      system: {
        duration: 0,
        cwd: options.cwd,
        environment: options.environment,
        constraints: { ranks },
        job: { name: options.name },
        // Flotilla pins GPUs itself, to the ids it chose and reports.
        shell: { options: { "gpu-affinity": "off" } },
      },
    },
  };
}

/** Whether every node holds the same number of the slots (what a Flux node/slot request can express). */
export function evenLayout(slots: readonly Slot[]): boolean {
  const counts = new Map<string, number>();
  for (const s of slots) counts.set(s.node, (counts.get(s.node) ?? 0) + 1);
  return new Set(counts.values()).size <= 1;
}

/** The slots in Flux's task order: node by node in broker-rank order, stable within a node. */
export function taskOrder(slots: readonly Slot[], rankOf: (node: string) => number): Slot[] {
  return slots
    .map((slot, i) => ({ slot, i }))
    .sort((a, b) => rankOf(a.slot.node) - rankOf(b.slot.node) || a.i - b.i)
    .map(({ slot }) => slot);
}
