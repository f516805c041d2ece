import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineEvent } from "../../engine/events.js";
import { isAlive } from "./processes.js";

/** Every line of `text` as an event; throws on any line that is not one JSON object (pure NDJSON). */
export function parseNdjson(text: string): EngineEvent[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line, i) => {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null || !("type" in value)) {
      throw new Error(`line ${i + 1} is not an event: ${line}`);
    }
    return value as EngineEvent;
  });
}

export function ofType<T extends EngineEvent["type"]>(
  events: EngineEvent[],
  type: T,
): Extract<EngineEvent, { type: T }>[] {
  return events.filter((event): event is Extract<EngineEvent, { type: T }> => event.type === type);
}

/**
 * Folds the events and fails if a GPU or core id is ever held by two things
 * at once. Services hold theirs from placement (pending) until stopped;
 * tasks from scheduled until they end. Returns the most GPUs in use at once.
 */
export function assertNoDoubleBooking(events: EngineEvent[]): number {
  const holders = new Map<string, { gpus: string[]; cores: string[] }>();
  let peak = 0;
  for (const event of events) {
    let id: string | undefined;
    let hold: boolean | undefined;
    if (event.type === "service:state") {
      id = `service ${event.service}.${event.instance}`;
      hold = event.state !== "stopped";
      if (holders.has(id) && hold) continue;
      if (hold) holders.set(id, idsOf(event.node, event.gpus, event.cores));
    } else if (event.type === "task:state") {
      id = `task ${event.id}`;
      hold = event.state === "scheduled" || event.state === "running";
      if (event.state === "scheduled") holders.set(id, idsOf(event.node ?? "?", event.gpus ?? [], event.cores ?? []));
    }
    if (id === undefined) continue;
    if (!hold) holders.delete(id);
    const gpus = [...holders.values()].flatMap((h) => h.gpus);
    const cores = [...holders.values()].flatMap((h) => h.cores);
    if (new Set(gpus).size !== gpus.length) throw new Error(`GPU double-booked at seq ${event.seq}: ${gpus.join(" ")}`);
    if (new Set(cores).size !== cores.length)
      throw new Error(`core double-booked at seq ${event.seq}: ${cores.join(" ")}`);
    peak = Math.max(peak, gpus.length);
  }
  return peak;
}

function idsOf(node: string, gpus: number[], cores: number[]) {
  return { gpus: gpus.map((g) => `${node}/gpu${g}`), cores: cores.map((c) => `${node}/core${c}`) };
}

/**
 * Every pid Flotilla's processes are known to have had: from the events
 * (service and task pids) and from "child PID" lines the fixtures print into
 * their logs (grandchildren).
 */
export function knownPids(events: EngineEvent[], logsDir?: string): number[] {
  const pids = new Set<number>();
  for (const event of events) {
    if ((event.type === "service:state" || event.type === "task:state") && event.pid) pids.add(event.pid);
  }
  if (logsDir) {
    for (const name of readdirSync(logsDir)) {
      for (const match of readFileSync(join(logsDir, name), "utf8").matchAll(/^child (\d+)$/gm))
        pids.add(Number(match[1]));
    }
  }
  return [...pids];
}

/** The pids of `pids` still running (not zombies). */
export function survivors(pids: number[]): number[] {
  return pids.filter(isAlive);
}
