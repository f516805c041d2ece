/**
 * Text mode's progress of running inference tasks: a line per task from the
 * `metrics` events, at most one per task every `everyMs` (metrics come about
 * once a second; a CI log needs far fewer), and the first one at once.
 */
import type { EngineEvent, RequestProgress } from "../../engine/index.js";
import { formatDuration } from "../../tui/format.js";

export function progressText(requests: RequestProgress): string {
  const eta = requests.eta_ms === undefined ? "" : `, about ${formatDuration(requests.eta_ms)} left`;
  return `${requests.done}/${requests.total} requests, ${requests.errors} errors, ${requests.rate} req/s${eta}`;
}

export function progressLines(everyMs = 10_000): (event: EngineEvent) => string | undefined {
  const printedAt = new Map<string, number>();
  return (event) => {
    if (event.type !== "metrics" || event.final || event.tasks === undefined) return undefined;
    const lines: string[] = [];
    for (const { id, service: _service, ...requests } of event.tasks) {
      const last = printedAt.get(id);
      if (last !== undefined && event.ts - last < everyMs) continue;
      printedAt.set(id, event.ts);
      lines.push(`task ${id}: ${progressText(requests)}`);
    }
    return lines.length > 0 ? lines.join("\n") : undefined;
  };
}
