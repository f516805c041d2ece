/** `flotilla status [SESSION]`: a one-shot view of a running session: services, instances, queue, tasks. */
import type { Command } from "commander";
import { sendControl } from "../control/client.js";
import { resolveSession } from "../control/session-arg.js";

interface StatusAnswer {
  session: { dir?: string; workload?: string; platform?: string; pid?: number; submissions: number; idle_ms?: number };
  allocation?: { state: string; nodes: Array<{ name: string; cores: number; gpus: number }>; job_id?: string };
  services: Array<{
    name: string;
    instances: Array<{ instance: number; state: string; node: string; gpus: number[] }>;
  }>;
  counts: Record<string, number>;
  queue: Array<{ id: string; waiting_for: { services?: string[]; tasks?: string[]; resources?: boolean } }>;
  tasks: Array<{ id: string; state: string; exit_code?: number | null; error?: string }>;
}

/** Tasks listed by `status` without --json; the counts cover them all. */
const SHOWN_TASKS = 20;

export async function statusCommand(dir: string | undefined, options: { json?: boolean }): Promise<void> {
  const session = resolveSession(dir);
  const { v: _v, id: _id, ok: _ok, ...answer } = await sendControl(session, "status");
  if (options.json) {
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return;
  }
  process.stdout.write(formatStatus(answer as unknown as StatusAnswer));
}

export function formatStatus(status: StatusAnswer): string {
  const lines: string[] = [];
  const s = status.session;
  lines.push(`session ${s.dir} (${s.workload}, ${s.platform}, pid ${s.pid}), ${s.submissions} submissions`);
  const a = status.allocation;
  if (a) {
    const nodes = a.nodes.map((n) => `${n.name} ${n.cores}c/${n.gpus}g`).join(", ");
    lines.push(`allocation ${a.state}${a.job_id ? ` (job ${a.job_id})` : ""}: ${nodes}`);
  }
  for (const service of status.services) {
    const instances = service.instances
      .map(
        (i) =>
          `${service.name}.${i.instance} ${i.state} on ${i.node}${i.gpus.length ? ` gpus ${i.gpus.join(",")}` : ""}`,
      )
      .join("; ");
    lines.push(`service ${instances}`);
  }
  const counts = Object.entries(status.counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(", ");
  lines.push(`tasks: ${counts || "none"}`);
  for (const entry of status.queue.slice(0, SHOWN_TASKS)) {
    const w = entry.waiting_for;
    const what = [
      w.services?.length ? `service ${w.services.join(",")}` : "",
      w.tasks?.length ? `task ${w.tasks.join(",")}` : "",
      w.resources ? "resources" : "",
    ].filter(Boolean);
    lines.push(`  queued ${entry.id}: waiting for ${what.join(" + ") || "its turn"}`);
  }
  const recent = status.tasks.filter((t) => t.state !== "pending").slice(-SHOWN_TASKS);
  for (const task of recent) {
    const code = task.exit_code === undefined || task.exit_code === null ? "" : ` (exit ${task.exit_code})`;
    lines.push(`  ${task.id} ${task.state}${code}${task.error ? `: ${task.error}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

export function register(program: Command): void {
  program
    .command("status")
    .description("print a running session's services, instances, queue and tasks once")
    .argument("[session]", "the session directory (default: the newest live one in ./flotilla-sessions)")
    .option("--json", "print the session's answer as one JSON object")
    .action(statusCommand);
}
