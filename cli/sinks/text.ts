/**
 * Human-readable progress, one line per notable event: for pipes, CI logs
 * and terminals until the dashboard takes over. Routine steps (pending,
 * scheduled, launching) are left out; everything that ends or fails is in.
 */
import { assertNever, type EngineEvent } from "../../engine/index.js";
// The dashboard's own formatting, so both renderers print a duration alike.
import { formatDuration } from "../../tui/format.js";
import { progressLines } from "./text-progress.js";
import type { Sink } from "./types.js";

export function textSink(out: NodeJS.WritableStream): Sink {
  let unsubscribe: (() => void) | undefined;
  const progress = progressLines();
  return {
    attach(bus) {
      unsubscribe = bus.subscribe((event) => {
        const line = formatEvent(event) ?? progress(event);
        if (line !== undefined && out.writable) out.write(`${line}\n`);
      });
    },
    async detach() {
      unsubscribe?.();
    },
  };
}

const ids = (label: string, list: readonly number[] | undefined) =>
  list && list.length > 0 ? ` ${label} ${list.join(",")}` : "";

/** The line for one event, or undefined when text mode leaves it out. */
export function formatEvent(event: EngineEvent): string | undefined {
  switch (event.type) {
    case "session:start":
      return `flotilla ${event.version}: running ${event.workload} (${event.workload_file}) on ${event.platform}; session ${event.session_dir}`;
    case "allocation:state": {
      const nodes = event.nodes.map((n) => `${n.name} (${n.cores} cores, ${n.gpus} GPUs)`).join(", ");
      if (event.state === "pending") return `allocation pending${event.reason ? `: ${event.reason}` : ""}`;
      if (event.state === "active") return `allocation active: ${nodes}`;
      if (event.state === "failed") return `allocation failed: ${event.reason ?? "unknown reason"}`;
      return "allocation released";
    }
    case "service:state":
      return formatService(event);
    case "task:state":
      return formatTask(event);
    case "task:submitted":
      return `submission ${event.submission} accepted from ${event.source}: ${event.tasks.length} task${event.tasks.length === 1 ? "" : "s"}`;
    case "service:scale":
      return formatScale(event);
    case "log":
      return event.level === "debug"
        ? undefined
        : `${event.level}: ${event.subject ? `${event.subject}: ` : ""}${event.message}`;
    case "walltime:warning":
      return `warning: walltime ends in ${formatDuration(event.remaining_ms)}`;
    case "metrics":
      return event.final ? formatMetrics(event) : undefined;
    case "session:end": {
      const counts = Object.entries(event.tasks)
        .filter(([, n]) => n > 0)
        .map(([state, n]) => `${n} ${state}`)
        .join(", ");
      return `finished in ${formatDuration(event.duration_ms)} with exit code ${event.exit_code}: ${event.reason}${counts ? ` (tasks: ${counts})` : ""}`;
    }
    default:
      return assertNever(event, "event");
  }
}

function formatService(event: Extract<EngineEvent, { type: "service:state" }>): string | undefined {
  const id = `service ${event.service}.${event.instance}`;
  const restart = event.restarts ? ` (restart ${event.restarts})` : "";
  switch (event.state) {
    case "pending":
    case "launching":
      return undefined;
    case "initializing":
      return `${id} started on ${event.node}${ids("cores", event.cores)}${ids("gpus", event.gpus)}${event.pid ? ` pid ${event.pid}` : ""}${restart}`;
    case "ready": {
      const timing = [
        event.launch_ms === undefined ? undefined : `launch ${formatDuration(event.launch_ms)}`,
        event.init_ms === undefined ? undefined : `init ${formatDuration(event.init_ms)}`,
        event.publish_ms === undefined ? undefined : `publish ${formatDuration(event.publish_ms)}`,
      ].filter(Boolean);
      return `${id} ready at ${event.endpoint ?? "?"}${timing.length ? ` (${timing.join(", ")})` : ""}${restart}`;
    }
    case "failed": {
      const tail = (event.stderr_tail ?? []).map((line) => `\n    | ${line}`).join("");
      const next = event.restart_in_ms === undefined ? "" : `; restarting in ${formatDuration(event.restart_in_ms)}`;
      return `${id} FAILED: ${event.error ?? "unknown error"}${next}${tail}`;
    }
    case "stopped":
      return `${id} stopped`;
    default:
      return assertNever(event.state, "service state");
  }
}

const SCALE_WHY = { load_high: "load high", load_low: "load low", manual: "flotilla scale" } as const;

function formatScale(event: Extract<EngineEvent, { type: "service:scale" }>): string {
  const { load } = event;
  const measured = `${load.outstanding} outstanding on ${load.instances} ready, ${load.per_instance} each, target ${load.target}`;
  const which = ids(event.to > event.from ? "adding" : "draining", event.instances);
  const held = event.held_back === undefined ? "" : `; held back: ${event.held_back}`;
  return `service ${event.service} scaled ${event.from} → ${event.to} (${SCALE_WHY[event.reason]}: ${measured})${which}${held}`;
}

function formatTask(event: Extract<EngineEvent, { type: "task:state" }>): string | undefined {
  const id = `task ${event.id}`;
  const out = event.stage_out_ms === undefined ? "" : `, outputs collected in ${formatDuration(event.stage_out_ms)}`;
  const took = `${event.duration_ms === undefined ? "" : ` in ${formatDuration(event.duration_ms)}`}${out}`;
  switch (event.state) {
    case "pending":
    case "scheduled":
      return undefined;
    case "running":
      return `${id} running on ${event.node ?? "?"}${ids("cores", event.cores)}${ids("gpus", event.gpus)}${
        event.stage_in_ms === undefined ? "" : ` (inputs staged in ${formatDuration(event.stage_in_ms)})`
      }`;
    case "done":
      // Done, but its output did not all reach the session directory (a full disk).
      return `${id} done${took}${event.output_incomplete && event.error ? `: ${event.error}` : ""}`;
    case "failed": {
      const how = event.signal
        ? `killed by ${event.signal}`
        : event.exit_code != null
          ? `exit code ${event.exit_code}`
          : "";
      return `${id} FAILED${how ? ` (${how})` : ""}${took}${event.error ? `: ${event.error}` : ""}`;
    }
    case "canceled":
      return `${id} canceled${event.error ? `: ${event.error}` : ""}`;
    case "skipped":
      return `${id} skipped${event.error ? `: ${event.error}` : ""}`;
    default:
      return assertNever(event.state, "task state");
  }
}

function formatMetrics(event: Extract<EngineEvent, { type: "metrics" }>): string {
  return event.services
    .map(
      (s) =>
        `requests to ${s.service}: ${s.completed} completed, ${s.errors} errors` +
        // No request measured: there is no latency to report, and 0ms would claim one.
        (s.latency.total.count === 0
          ? ""
          : `; p50 ${formatDuration(s.latency.total.p50)}, p95 ${formatDuration(s.latency.total.p95)}`),
    )
    .join("\n");
}
