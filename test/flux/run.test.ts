/** `flotilla run --platform flux` end to end in the test instance: the CLI, the engine, Flux jobs. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.js";
import { assertNoDoubleBooking, ofType, parseNdjson } from "../helpers/events.js";
import { waitUntil } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";
import { activeJobs, describeFlux, fluxEnv, NODE_NAME, waitForNoJobs } from "./instance.js";

// Four services, each on its own (planned) GPU, two per broker, and clients that use them.
const spread = (platform: string, client = `echo \\"on ${NODE_NAME} gpu=[$CUDA_VISIBLE_DEVICES]\\"`) => `
version: 1
name: spread
allocation: { platform: ${platform}, nodes: 4, cores: 2, gpus: 2 }
services:
  - name: model
    replicas: 4
    cores: 1
    gpus: 1
    command: ["sh", "-c", "echo \\"sees ${NODE_NAME} gpu=$CUDA_VISIBLE_DEVICES\\"; exec sleep 600"]
    ready: { log: "sees (\\\\S+)" }
    startup_timeout: 60s
tasks:
  - name: client
    count: 4
    cores: 1
    uses: [model]
    command: ["sh", "-c", "${client}"]
`;

// For the signal tests: clients that would run long after the services are up.
const long = (platform: string) => spread(platform, "exec sleep 600");

describeFlux("flotilla run on flux", () => {
  afterEach(async () => {
    await waitForNoJobs();
  });

  it("names the platform, puts services on their own GPUs, and leaves no job", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), spread("auto"));
    const session = join(dir, "session");
    const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir, env: fluxEnv() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(ofType(events, "session:start")[0]).toMatchObject({ platform: "flux" });
    const active = ofType(events, "allocation:state").find((e) => e.state === "active");
    expect(active?.nodes).toHaveLength(4);
    expect(new Set(active?.nodes.map((n) => n.name)).size).toBe(4);
    const ready = ofType(events, "service:state").filter((e) => e.state === "ready");
    expect(ready).toHaveLength(4);
    expect(new Set(ready.map((e) => `${e.node}/${e.gpus.join(",")}`)).size).toBe(4);
    expect(new Set(ready.map((e) => e.node)).size).toBe(2);
    for (const instance of ready) {
      // What the job printed about itself, against where the engine says it put it.
      const out = readFileSync(join(session, "logs", `model.${instance.instance}.out`), "utf8");
      expect(out).toContain(`sees ${instance.node} gpu=${instance.gpus.join(",")}`);
    }
    const clients = readFileSync(join(session, "logs", "client.0.out"), "utf8");
    expect(clients).toMatch(/^on \S+-\d gpu=\[\]$/m);
    assertNoDoubleBooking(events);
    expect(events.at(-1)).toMatchObject({ type: "session:end", exit_code: 0 });
    expect(activeJobs()).toEqual([]);
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("cancels every job it submitted on %s", async (signal, code) => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), long("flux"));
    const run = startCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "s")], { cwd: dir, env: fluxEnv() });
    await run.waitForOutput(/"type":"service:state"[^\n]*"state":"ready"/, 60_000);
    expect(activeJobs().length).toBeGreaterThan(0);
    run.child.kill(signal);
    const result = await run.done;
    expect(result.code).toBe(code);
    expect(ofType(parseNdjson(result.stdout), "allocation:state").at(-1)?.state).toBe("released");
    expect(activeJobs()).toEqual([]);
  });

  it("leaves no Flux job running when the engine is killed with SIGKILL", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "w.yaml"), long("flux"));
    const run = startCli(["run", "w.yaml", "--json", "--session-dir", join(dir, "s")], { cwd: dir, env: fluxEnv() });
    await waitUntil(() => (run.stdout.match(/"state":"ready"/g) ?? []).length >= 4, {
      what: "all four services ready",
      timeoutMs: 60_000,
    });
    await waitUntil(() => activeJobs().length >= 4, { what: "the services' jobs listed", timeoutMs: 10_000 });
    run.child.kill("SIGKILL");
    await run.done;
    // Nothing of the engine runs any more; the job guard it left cancels the rest.
    await waitForNoJobs(20_000);
  });
});
