import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../../engine/errors.js";
import type { ServiceStateEvent } from "../../../engine/events.js";
import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { startProcess } from "../../../engine/launch/supervisor.js";
import type { Launcher } from "../../../engine/platform/types.js";
import type { InstanceDriver } from "../../../engine/service/driver.js";
import { EndpointRegistry } from "../../../engine/service/endpoints.js";
import { ServiceInstance } from "../../../engine/service/instance.js";
import { waitForProbe } from "../../../engine/service/probes.js";
import { serviceSchema } from "../../../engine/workload/schema.js";
import { fixture, isAlive, waitUntil } from "../../helpers/processes.js";
import { tempDir } from "../../helpers/tmp.js";

const placement = { node: "localhost", cores: [0], gpus: [1], slots: [{ node: "localhost", cores: [0], gpus: [1] }] };

function setup(command: (port: number) => string[], fields: Record<string, unknown> = {}) {
  const dir = tempDir();
  const registry = new ProcessRegistry();
  const launcher: Launcher = {
    start: (spec) => startProcess(spec, { registry, node: spec.placement.node, graceMs: 1_000 }),
    hostOf: () => "127.0.0.1",
  };
  const service = serviceSchema.parse({ name: "web", command: ["x"], ready: { http: "/" }, ...fields });
  const driver: InstanceDriver = {
    remote: false,
    command: (context) => ({ command: command(context.port), env: {} }),
    waitReady: async (context, signal) => ({
      endpoint: await waitForProbe(
        context.service.ready,
        { host: context.host, port: context.port, lines: context.lines },
        signal,
      ),
    }),
  };
  const events: ServiceStateEvent[] = [];
  const endpoints = new EndpointRegistry();
  /** What a waiting task would see: gaveUp read on the turn after each change, as the engine's pump does. */
  const gaveUpSeen: Array<{ state: string; gaveUp: boolean }> = [];
  const instance: ServiceInstance = new ServiceInstance({
    service,
    instance: 0,
    placement,
    launcher,
    driver,
    endpoints,
    self: [],
    sessionDir: dir,
    logPaths: { stdout: join(dir, "web.0.out"), stderr: join(dir, "web.0.err") },
    emit: (event) => events.push(event),
    onChange: () => queueMicrotask(() => gaveUpSeen.push({ state: instance.state, gaveUp: instance.gaveUp })),
  });
  return { instance, events, endpoints, registry, gaveUpSeen };
}

describe("ServiceInstance", () => {
  it("goes pending → launching → initializing → ready with the bootstrap breakdown, then stops", async () => {
    const { instance, events, endpoints, registry } = setup((port) => [fixture("slow-ready"), String(port), "300"]);
    instance.announce();
    await instance.start(new AbortController().signal);
    expect(events.map((e) => e.state)).toEqual(["pending", "launching", "initializing", "ready"]);
    const ready = events.at(-1) as ServiceStateEvent;
    expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready).toMatchObject({ node: "localhost", cores: [0], gpus: [1] });
    expect(ready.launch_ms).toBeGreaterThanOrEqual(0);
    expect(ready.init_ms).toBeGreaterThanOrEqual(250);
    expect(ready.publish_ms).toBeGreaterThanOrEqual(0);
    expect(events[2]?.pid).toBeGreaterThan(0);
    expect(endpoints.urls("web")).toEqual([ready.endpoint]);
    const pid = instance.pid as number;
    await instance.stop(1_000);
    expect(events.at(-1)?.state).toBe("stopped");
    expect(endpoints.urls("web")).toEqual([]);
    expect(isAlive(pid)).toBe(false);
    expect(registry.size).toBe(0);
  });

  it("fails start-up with the instance, node and stderr tail when the process exits", async () => {
    const { instance, events } = setup(() => [fixture("crash-on-start")]);
    const error = await instance.start(new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFlotillaError(error) && error.code).toBe("SERVICE_START_FAILED");
    expect(String((error as Error).message)).toMatch(/web\.0 on node localhost .*exited with code 1/);
    const failed = events.at(-1) as ServiceStateEvent;
    expect(failed.state).toBe("failed");
    expect(failed.stderr_tail).toEqual([
      "crash-on-start: loading model",
      "crash-on-start: fatal: could not initialise backend",
    ]);
  });

  it("fails start-up after startup_timeout and kills the process", async () => {
    const { instance, events } = setup(() => [fixture("forever")], { startup_timeout: "400ms" });
    const started = instance.start(new AbortController().signal);
    await expect(started).rejects.toThrow(/not ready within 400 ms/);
    const pid = events.find((e) => e.state === "initializing")?.pid as number;
    expect(isAlive(pid)).toBe(false);
  });

  it("reports a command that cannot be spawned", async () => {
    const { instance } = setup(() => ["/nonexistent/server"]);
    await expect(instance.start(new AbortController().signal)).rejects.toThrow(
      /web\.0 on node localhost .*could not start/,
    );
  });

  it("rejects with the abort reason when the run is aborted during start-up", async () => {
    const { instance, events } = setup(() => [fixture("forever")]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("interrupted")), 200);
    await expect(instance.start(controller.signal)).rejects.toThrow("interrupted");
    await instance.stop(500);
    expect(events.at(-1)?.state).toBe("stopped");
    const pid = events.find((e) => e.state === "initializing")?.pid as number;
    expect(isAlive(pid)).toBe(false);
  });

  it("restarts after an unexpected exit while restarts remain, counting them in events", async () => {
    const { instance, events, endpoints } = setup(
      (port) => ["sh", "-c", `${fixture("slow-ready")} ${port} 50 & sleep 1.2; kill $!; exit 7`],
      { restarts: 1, ready: { tcp: true } },
    );
    await instance.start(new AbortController().signal);
    await waitUntil(() => events.filter((e) => e.state === "failed").length === 2, { what: "two failures" });
    const states = events.map((e) => `${e.state}${e.restarts ? `#${e.restarts}` : ""}`);
    expect(states).toEqual([
      "launching",
      "initializing",
      "ready",
      "failed",
      "launching#1",
      "initializing#1",
      "ready#1",
      "failed#1",
    ]);
    expect(events[3]?.error).toMatch(/exited after it was ready: exited with code 7/);
    expect(endpoints.urls("web")).toEqual([]);
    await instance.stop(500);
    expect(events.at(-1)?.state).toBe("failed");
  });

  it("does not give up while the crash that used the last restart is still being restarted", async () => {
    const { instance, events, gaveUpSeen } = setup(
      (port) => ["sh", "-c", `${fixture("slow-ready")} ${port} 50 & sleep 1.2; kill $!; exit 7`],
      { restarts: 1, ready: { tcp: true } },
    );
    await instance.start(new AbortController().signal);
    await waitUntil(() => events.filter((e) => e.state === "failed").length === 2, { what: "two failures" });
    await waitUntil(() => instance.gaveUp, { what: "giving up after the last restart" });
    // Until the restarted instance was ready, a task waiting for the service must not have been told it is lost.
    const readies = gaveUpSeen.flatMap((seen, index) => (seen.state === "ready" ? [index] : []));
    expect(readies).toHaveLength(2);
    expect(gaveUpSeen.slice(0, readies[1]).filter((seen) => seen.gaveUp)).toEqual([]);
    expect(gaveUpSeen.at(-1)).toEqual({ state: "failed", gaveUp: true });
    await instance.stop(500);
  });
});
