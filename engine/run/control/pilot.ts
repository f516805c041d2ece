/**
 * A session that stays up (`flotilla up`): the control socket's handler over
 * the running engine. It adds submitted tasks to the task queue, answers
 * status, wait and cancel, and ends the session on `down` or after the idle
 * timeout (no task pending or running for that long).
 */

import { rmSync } from "node:fs";
import { join } from "node:path";
import type { EventBus } from "../../bus.js";
import { FlotillaError } from "../../errors.js";
import type { EngineEvent, TaskStateEvent } from "../../events.js";
import type { NodeResources } from "../../platform/types.js";
import { mkdirPrivate, writePrivateFileSync } from "../../session/private-fs.js";
import { describeFsError } from "../../session/write-errors.js";
import type { ServiceSpec } from "../../workload/schema.js";
import type { ServiceSet } from "../services.js";
import type { TaskRunner } from "../tasks.js";
import { chooseSocketPath, newControlToken, removeControlRecord, writeControlRecord } from "./endpoint.js";
import type { ControlRequest } from "./protocol.js";
import { ControlServer } from "./server.js";
import { statusOf } from "./status.js";
import { prepareSubmission } from "./submission.js";
import { TaskWaits } from "./waits.js";

export interface PilotOptions {
  /** End the session after this long with no task pending or running. */
  idleMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /** Called once every service instance is ready (or at once when there are none). */
  onReady?: (info: { socket: string }) => void;
  /** Services a submission added, before their instances start (the request path makes their dispatchers). */
  onServicesAdded?: (services: ServiceSpec[]) => Promise<void>;
}

export interface PilotParts {
  sessionDir: string;
  bus: EventBus;
  tasks: TaskRunner;
  services: ServiceSet;
  nodes: readonly NodeResources[];
  /** The run's signal: services added later stop with it. */
  signal: AbortSignal;
}

export const DOWN_REASON = "stopped by flotilla down";

export class Pilot {
  private server: ControlServer | undefined;
  private ownDir: string | undefined;
  private submissions = 0;
  private readonly waits: TaskWaits;
  private idleTimer: NodeJS.Timeout | undefined;
  private finish: (reason: string) => void = () => {};
  private unsubscribe: () => void = () => {};
  private closed = false;
  socket = "";
  /** Resolves with why the session should end (down, idle). */
  readonly ended: Promise<string>;

  constructor(
    private readonly options: PilotOptions,
    private readonly parts: PilotParts,
  ) {
    this.waits = new TaskWaits(parts.bus);
    this.ended = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  async start(): Promise<void> {
    const place = chooseSocketPath(this.parts.sessionDir, this.options.env ?? {});
    this.ownDir = place.ownDir;
    const token = newControlToken();
    this.server = await ControlServer.listen({ path: place.path, token, handle: (request) => this.handle(request) });
    this.socket = place.path;
    writeControlRecord(this.parts.sessionDir, { socket: place.path, token, pid: process.pid });
    this.unsubscribe = this.parts.bus.subscribe((event) => this.observe(event));
    this.checkIdle();
  }

  /** No new requests from now on (teardown begins); waits still get their answers. */
  async stopAccepting(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    removeControlRecord(this.parts.sessionDir);
    await this.server?.stopListening();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    this.waits.closeAll();
    await this.server?.close();
    if (this.ownDir !== undefined) rmSync(this.ownDir, { recursive: true, force: true });
  }

  private observe(event: EngineEvent): void {
    if (event.type === "task:state") this.checkIdle();
  }

  private checkIdle(): void {
    const idleMs = this.options.idleMs;
    if (idleMs === undefined || this.closed) return;
    if (this.parts.tasks.active > 0) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      return;
    }
    if (this.idleTimer !== undefined) return;
    this.idleTimer = setTimeout(() => this.finish(`idle for ${formatMs(idleMs)}`), idleMs);
  }

  private async handle(request: ControlRequest): Promise<Record<string, unknown>> {
    if (this.closed) throw new FlotillaError("USAGE", "the session is stopping");
    switch (request.op) {
      case "submit":
        return this.submit(request);
      case "status":
        return statusOf(this.parts.bus.getSnapshot(), {
          socket: this.socket,
          submissions: this.submissions,
          ...(this.options.idleMs === undefined ? {} : { idle_ms: this.options.idleMs }),
        });
      case "wait":
        return this.wait(request.tasks, request.events);
      case "cancel": {
        this.requireKnown(request.tasks);
        const canceled = this.parts.tasks.cancel(request.tasks, "canceled by flotilla cancel");
        return { canceled };
      }
      case "down":
        this.finish(DOWN_REASON);
        return {};
      case "scale":
        return this.parts.services.scale(request.service, request.replicas, this.parts.signal);
      default: {
        const unknown: never = request;
        throw new FlotillaError("PROTOCOL", `unknown op ${JSON.stringify(unknown)}`);
      }
    }
  }

  private submit(request: Extract<ControlRequest, { op: "submit" }>): Record<string, unknown> {
    const number = this.submissions + 1;
    const { tasks } = this.parts;
    // Everything up to `add` is synchronous: no other request can interleave.
    const prepared = prepareSubmission({
      number,
      text: request.text,
      source: request.source,
      dir: request.dir ?? this.parts.sessionDir,
      services: this.parts.services.names,
      hasTask: (ref) => tasks.has(ref),
      nodes: this.parts.nodes,
    });
    const file = join("submissions", `${number}.yaml`);
    const path = join(this.parts.sessionDir, file);
    try {
      mkdirPrivate(join(this.parts.sessionDir, "submissions"));
      writePrivateFileSync(path, request.text);
    } catch (error) {
      throw new FlotillaError("SESSION_WRITE_FAILED", `cannot keep the submission: ${describeFsError(error)}`, {
        cause: error,
      });
    }
    if (prepared.services.length > 0) {
      try {
        // Placed all at once or not at all (PLACEMENT_IMPOSSIBLE: nothing of the submission is taken).
        this.parts.services.add(prepared.services, this.parts.signal);
      } catch (error) {
        rmSync(path, { force: true });
        throw error;
      }
      void this.options.onServicesAdded?.(prepared.services);
    }
    this.submissions = number;
    const ids = prepared.units.map((unit) => unit.id);
    this.parts.bus.emit({
      type: "task:submitted",
      submission: number,
      file,
      source: request.source,
      tasks: ids,
      ...(Object.keys(prepared.renamed).length === 0 ? {} : { renamed: prepared.renamed }),
      ...(prepared.services.length === 0 ? {} : { services: prepared.services.map((service) => service.name) }),
    });
    tasks.add(prepared.units);
    this.checkIdle();
    return {
      submission: number,
      tasks: ids,
      ...(Object.keys(prepared.renamed).length === 0 ? {} : { renamed: prepared.renamed }),
    };
  }

  private async wait(ids: string[], events: boolean): Promise<Record<string, unknown>> {
    const snapshot = this.parts.bus.getSnapshot();
    const wanted = ids.length > 0 ? ids : [...snapshot.taskOrder];
    this.requireKnown(wanted);
    const ended = await this.waits.wait(wanted);
    const result: Record<string, unknown> = { tasks: ended.map(taskSummary) };
    if (events) result.events = this.waits.eventsOf(wanted);
    return result;
  }

  private requireKnown(ids: readonly string[]): void {
    const unknown = ids.filter((id) => this.parts.bus.getSnapshot().tasks[id] === undefined);
    if (unknown.length > 0) {
      throw new FlotillaError("USAGE", `no such task in this session: ${unknown.slice(0, 10).join(", ")}`, {
        context: { unknown },
      });
    }
  }
}

function taskSummary(event: TaskStateEvent): Record<string, unknown> {
  return {
    id: event.id,
    task: event.task,
    state: event.state,
    ...(event.exit_code === undefined ? {} : { exit_code: event.exit_code }),
    ...(event.error === undefined ? {} : { error: event.error }),
  };
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
