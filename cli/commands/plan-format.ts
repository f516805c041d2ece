import type { NodePlan, PlannedItem, Slot, WorkloadPlan } from "../../engine/index.js";
import { idRuns } from "../../tui/format.js";

/**
 * Text rendering of a WorkloadPlan. Small plans list every instance; big
 * ones (thousands of tasks on hundreds of nodes) collapse into one line per
 * task definition and one line per run of nodes that look the same.
 */

const LIST_LIMIT = 40;

/** [0,1,2,3,6] → "0-3,6"; [] → "-". */
export function formatIds(ids: readonly number[]): string {
  return ids.length === 0 ? "-" : idRuns(ids);
}

function table(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")}`.trimEnd());
}

/** Every rank's cores and GPUs when the ranks share one node (a run's task:state lists them as `slots`). */
function idsOf(item: PlannedItem): { cores: number[]; gpus: number[] } {
  const ranks = item.ranks;
  if (ranks === undefined || ranks.some((slot) => slot.node !== item.node)) return item;
  const all = (pick: (slot: Slot) => number[]) => [...new Set(ranks.flatMap(pick))].sort((a, b) => a - b);
  return { cores: all((slot) => slot.cores), gpus: all((slot) => slot.gpus) };
}

function itemRows(items: readonly PlannedItem[]): string[] {
  return table(
    items.map((item) => {
      const where = item.ranks ? `${item.ranks.length} ranks from ${item.node}` : item.node;
      const ids = idsOf(item);
      const row = [item.id, where, `cores ${formatIds(ids.cores)}`, `gpus ${formatIds(ids.gpus)}`];
      if (item.waits_for) row.push(`after ${item.waits_for.join(", ")} ready`);
      return row;
    }),
  );
}

function byName(items: readonly { name: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.name, (counts.get(item.name) ?? 0) + 1);
  return counts;
}

function summaryRows(plan: WorkloadPlan, kind: "service" | "task"): string[] {
  const placed = byName(kind === "service" ? plan.services : plan.tasks);
  const queued = byName(plan.queued.filter((q) => q.kind === kind));
  const names = [...new Set([...placed.keys(), ...queued.keys()])];
  // Many definitions: show the ones with queued work; the rest are one line.
  const shown = names.length <= LIST_LIMIT ? names : names.filter((name) => queued.has(name)).slice(0, LIST_LIMIT);
  const rows = table(shown.map((name) => [name, `${placed.get(name) ?? 0} placed`, `${queued.get(name) ?? 0} queued`]));
  const hidden = names.filter((name) => !shown.includes(name));
  if (hidden.length > 0) {
    const instances = hidden.reduce((sum, name) => sum + (placed.get(name) ?? 0) + (queued.get(name) ?? 0), 0);
    const allPlaced = hidden.every((name) => !queued.has(name));
    rows.push(`  … ${hidden.length} more (${instances} instances${allPlaced ? ", all placed" : ""})`);
  }
  return rows;
}

function sameUsage(a: NodePlan, b: NodePlan): boolean {
  return (
    a.cores === b.cores &&
    a.gpus === b.gpus &&
    a.used_cores === b.used_cores &&
    a.used_gpus === b.used_gpus &&
    a.services === b.services &&
    a.tasks === b.tasks
  );
}

function nodeRows(nodes: readonly NodePlan[]): string[] {
  const rows: string[][] = [];
  for (let i = 0; i < nodes.length; ) {
    const first = nodes[i]!;
    let j = i;
    while (j + 1 < nodes.length && sameUsage(first, nodes[j + 1]!)) j++;
    const name = j === i ? first.name : `${first.name}..${nodes[j]!.name} (${j - i + 1})`;
    rows.push([
      name,
      `cores ${first.used_cores}/${first.cores}`,
      `gpus ${first.used_gpus}/${first.gpus}`,
      `services ${first.services}`,
      `tasks ${first.tasks}`,
    ]);
    i = j + 1;
  }
  return rows.length <= LIST_LIMIT ? table(rows) : nodeSummary(nodes);
}

/** For allocations too varied to list: how full the nodes are, in three buckets. */
function nodeSummary(nodes: readonly NodePlan[]): string[] {
  let full = 0;
  let idle = 0;
  for (const n of nodes) {
    if (n.used_cores === 0 && n.used_gpus === 0) idle++;
    else if (n.used_cores === n.cores && n.used_gpus === n.gpus) full++;
  }
  const partly = nodes.length - full - idle;
  return [`  ${full} full, ${partly} partly used, ${idle} idle (--json lists every node)`];
}

function totals(nodes: readonly NodePlan[]): string {
  const sum = (pick: (n: NodePlan) => number) => nodes.reduce((total, n) => total + pick(n), 0);
  return `nodes: ${nodes.length}, cores ${sum((n) => n.used_cores)}/${sum((n) => n.cores)} used, gpus ${sum((n) => n.used_gpus)}/${sum((n) => n.gpus)} used`;
}

export function formatPlan(plan: WorkloadPlan, heading: string): string {
  const queuedServices = plan.queued.filter((q) => q.kind === "service").length;
  const queuedTasks = plan.queued.length - queuedServices;
  const lines = [heading, `services: ${plan.services.length} instances placed, ${queuedServices} not placed`];
  lines.push(...(plan.services.length <= LIST_LIMIT ? itemRows(plan.services) : summaryRows(plan, "service")));
  for (const a of plan.autoscaled ?? []) {
    lines.push(`  ${a.service}: autoscaled, ${a.min} to ${a.max} instances; placed here: the ${a.min} it starts with`);
  }
  const waiting = plan.tasks.filter((t) => t.waits_for !== undefined).length;
  lines.push(
    `tasks: ${plan.tasks.length - waiting} start at once, ${waiting} when their services are ready, ` +
      `${queuedTasks} queued until resources free up`,
  );
  lines.push(...(plan.tasks.length + queuedTasks <= LIST_LIMIT ? itemRows(plan.tasks) : summaryRows(plan, "task")));
  if (queuedTasks > 0 && plan.tasks.length + queuedTasks <= LIST_LIMIT) {
    lines.push(
      `  queued: ${plan.queued
        .filter((q) => q.kind === "task")
        .map((q) => q.id)
        .join(", ")}`,
    );
  }
  lines.push(totals(plan.nodes), ...nodeRows(plan.nodes));
  return `${lines.join("\n")}\n`;
}
