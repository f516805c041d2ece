/**
 * Reading an autoscaled run back from its session: the `service:scale`
 * decisions, how many instances were alive at each moment, and whether every
 * request of an inference task was answered exactly once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineEvent, EventOf } from "../../engine/events.js";
import { ofType } from "./events.js";

/** Lines of a batch of JSON lines, e.g. a `jsonl` file of the session. */
export function jsonLines<T>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

/** The service's scale decisions, in order. */
export function scales(events: EngineEvent[], service: string): EventOf<"service:scale">[] {
  return ofType(events, "service:scale").filter((e) => e.service === service);
}

/**
 * The most and the fewest instances of `service` alive at once (placed and
 * not yet stopped or failed), counted from its first `ready` until teardown
 * begins (the first stop after the last task has ended).
 */
export function aliveRange(events: EngineEvent[], service: string): { most: number; fewest: number } {
  const alive = new Set<number>();
  let most = 0;
  let fewest = Number.POSITIVE_INFINITY;
  let started = false;
  const lastTaskEnd = events.findLastIndex(
    (e) => e.type === "task:state" && ["done", "failed", "canceled", "skipped"].includes(e.state),
  );
  events.forEach((event, i) => {
    if (event.type !== "service:state" || event.service !== service) return;
    if (event.state === "stopped" || event.state === "failed") alive.delete(event.instance);
    else alive.add(event.instance);
    if (event.state === "ready") started = true;
    most = Math.max(most, alive.size);
    if (started && i < lastTaskEnd) fewest = Math.min(fewest, alive.size);
  });
  return { most, fewest };
}

export interface AnsweredLine {
  index: number;
  status: "ok" | "error";
  instance: number | null;
  attempts: number;
  error?: string;
}

/** Checks an inference task's responses and the service's profile: each of `total` requests answered once, ok. */
export function answeredOnce(
  session: string,
  task: string,
  service: string,
  total: number,
): { byInstance: Map<number, number>; problems: string[] } {
  const problems: string[] = [];
  const responses = jsonLines<AnsweredLine>(join(session, "tasks", task, "responses.jsonl"));
  const indexes = responses.map((r) => r.index);
  if (indexes.length !== total || new Set(indexes).size !== total) {
    problems.push(`${task}: ${indexes.length} responses, ${new Set(indexes).size} distinct, for ${total} requests`);
  }
  for (const r of responses)
    if (r.status !== "ok") problems.push(`${task}: request ${r.index} ${r.status}: ${r.error}`);
  // The profile has one line per request, written once it has ended: a request answered twice would show twice.
  const profile = jsonLines<{ source: string; index: number }>(join(session, "profile", `${service}.jsonl`)).filter(
    (line) => line.source === task,
  );
  const seen = new Set(profile.map((line) => line.index));
  if (profile.length !== total || seen.size !== total) {
    problems.push(`${task}: ${profile.length} profile lines, ${seen.size} distinct, for ${total} requests`);
  }
  const byInstance = new Map<number, number>();
  for (const r of responses) if (r.instance !== null) byInstance.set(r.instance, (byInstance.get(r.instance) ?? 0) + 1);
  return { byInstance, problems };
}

/** Writes `n` small completion requests, one a line. */
export function promptLines(n: number): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `prompt ${i}`, max_tokens: 4 })).join("\n");
}
