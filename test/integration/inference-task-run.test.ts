/**
 * Inference tasks through `flotilla run`: real service-host processes
 * (backend: noop), the engine's dispatcher, the session's responses and
 * profile files, and an instance SIGKILLed mid-run.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../engine/events.js";
import { REPO, startCli } from "../helpers/cli.js";
import { ofType, parseNdjson } from "../helpers/events.js";
import { startCurveServe } from "../helpers/host-process.js";
import { freePort } from "../helpers/processes.js";
import { tempDir } from "../helpers/tmp.js";

const PYTHON_CLIENT = join(REPO, "test/fixtures/python/client.py");

interface ResponseLine {
  index: number;
  status: "ok" | "error";
  instance: number | null;
  attempts: number;
  response?: { choices: { text: string }[] };
  error?: string;
  total_ms: number | null;
}

function workspace(workload: string, prompts: number): string {
  const dir = tempDir("flotilla-inference-");
  writeFileSync(join(dir, "workload.yaml"), workload);
  writeFileSync(
    join(dir, "prompts.jsonl"),
    Array.from({ length: prompts }, (_, i) => JSON.stringify({ prompt: `prompt ${i}`, max_tokens: 4 })).join("\n"),
  );
  return dir;
}

const readLines = <T>(path: string): T[] =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as T);

describe("inference tasks in flotilla run", () => {
  it("balances two noop instances round-robin, writes responses in input order, and reports metrics", async () => {
    const dir = workspace(
      `version: 1
name: two-noop
services:
  - name: echo
    backend: noop
    replicas: 2
    delay: { mean_ms: 2, sd_ms: 1 }
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: 4
  - name: client
    command: ["sh", "-c", "echo HTTP=$FLOTILLA_SERVICE_ECHO_HTTP; echo ZMQ=$FLOTILLA_SERVICE_ECHO_ZMQ"]
    uses: [echo]
`,
      40,
    );
    const session = join(dir, "session");
    const run = startCli(["run", "workload.yaml", "--json", "--cores", "8", "--session-dir", session], { cwd: dir });
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    const events = parseNdjson(result.stdout);
    const ready = ofType(events, "service:state").filter((e) => e.state === "ready");
    // Instances on this machine listen on private ipc sockets in the session, removed at teardown.
    expect(ready.map((e) => e.zmq).sort()).toEqual(
      [0, 1].map((i) => `ipc://${join(session, "sockets", `echo.${i}.sock`)}`),
    );
    expect(existsSync(join(session, "sockets"))).toBe(false);

    const responses = readLines<ResponseLine>(join(session, "tasks", "prompts", "responses.jsonl"));
    expect(responses.map((r) => r.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(responses.every((r) => r.status === "ok" && r.attempts === 1)).toBe(true);
    expect(responses[7]?.response?.choices[0]?.text).toBe("prompt 7");
    const perInstance = [0, 1].map((i) => responses.filter((r) => r.instance === i).length);
    expect(perInstance).toEqual([20, 20]);

    const metrics = ofType(events, "metrics");
    const final = metrics.at(-1);
    expect(final?.final).toBe(true);
    const echo = final?.services.find((s) => s.service === "echo");
    expect(echo?.completed).toBe(40);
    expect(echo?.errors).toBe(0);
    expect(echo?.latency.total.count).toBe(40);
    expect(echo?.instances.map((i) => i.completed)).toEqual([20, 20]);
    // The final metrics are recorded before the session ends.
    const order = events.map((e: EngineEvent) => e.type);
    expect(order.lastIndexOf("metrics")).toBeLessThan(order.indexOf("session:end"));

    const profile = readLines<{ source: string; stamps: Record<string, number> }>(
      join(session, "profile", "echo.jsonl"),
    );
    expect(profile).toHaveLength(40);
    expect(Object.keys(profile[0]?.stamps ?? {})).toEqual(
      expect.arrayContaining(["client_sent", "host_received", "backend_start", "backend_end", "host_sent"]),
    );
    const client = readFileSync(join(session, "logs", "client.out"), "utf8");
    expect(client).toMatch(/^HTTP=http:\/\/127\.0\.0\.1:\d+\/services\/echo\/v1$/m);
    expect(client).toMatch(/^ZMQ=ipc:\/\/\S+\/echo\.0\.sock,ipc:\/\/\S+\/echo\.1\.sock$/m);
    const summary = ofType(events, "log").find((e) => e.subject === "prompts");
    expect(summary?.message).toMatch(/^40 requests, 40 ok, 0 errors/);
  });

  it("gives tasks the HTTP front at the address --front-host names, and they reach it there", async () => {
    const dir = workspace(
      `version: 1
services:
  - name: echo
    backend: noop
tasks:
  - name: client
    command: ["sh", "-c", "echo HTTP=$FLOTILLA_SERVICE_ECHO_HTTP; curl -sS --fail-with-body -H \\"authorization: Bearer $OPENAI_API_KEY\\" -H 'content-type: application/json' -d '{\\"prompt\\":\\"via front\\"}' $FLOTILLA_SERVICE_ECHO_HTTP/completions"]
    uses: [echo]
`,
      1,
    );
    const session = join(dir, "session");
    const args = ["run", "workload.yaml", "--json", "--front-host", "127.0.0.2", "--session-dir", session];
    const result = await startCli(args, { cwd: dir }).done;
    expect(result.code, result.stderr).toBe(0);
    const client = readFileSync(join(session, "logs", "client.out"), "utf8");
    expect(client).toMatch(/^HTTP=http:\/\/127\.0\.0\.2:\d+\/services\/echo\/v1$/m);
    expect(client).toContain('"text":"via front"');
  });

  it("retries the in-flight requests of a SIGKILLed instance on the other one; every request is accounted for", async () => {
    const dir = workspace(
      `version: 1
services:
  - name: echo
    backend: noop
    replicas: 2
    delay: { mean_ms: 20, sd_ms: 2 }
    restarts: 0
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: 8
    request_timeout: 5s
`,
      300,
    );
    const session = join(dir, "session");
    const run = startCli(["run", "workload.yaml", "--json", "--cores", "8", "--session-dir", session], { cwd: dir });
    await run.waitForOutput(/"task":"prompts","id":"prompts","state":"running"/, 60_000);
    const victim = ofType(parseNdjson(run.stdout), "service:state").find(
      (e) => e.service === "echo" && e.instance === 1 && e.pid !== undefined,
    );
    expect(victim?.pid).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    process.kill(victim!.pid!, "SIGKILL");
    const result = await run.done;
    const events = parseNdjson(result.stdout);
    expect(ofType(events, "service:state").some((e) => e.instance === 1 && e.state === "failed")).toBe(true);

    const responses = readLines<ResponseLine>(join(session, "tasks", "prompts", "responses.jsonl"));
    expect(responses.map((r) => r.index)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(responses.filter((r) => r.status !== "ok")).toEqual([]);
    // Requests that were on the killed instance went to the survivor on a second attempt.
    const retried = responses.filter((r) => r.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((r) => r.instance === 0)).toBe(true);
    expect(responses.slice(-50).every((r) => r.instance === 0)).toBe(true);
    const final = ofType(events, "metrics")
      .at(-1)
      ?.services.find((s) => s.service === "echo");
    expect(final).toMatchObject({ completed: 300, errors: 0 });
    expect(final?.retries).toBe(retried.reduce((sum, r) => sum + r.attempts - 1, 0));
    expect(result.code, result.stderr).toBe(0);
  });

  it("balances over a launched instance and a remote CURVE flotilla serve alike", async () => {
    const { serve, port, serverKey, clientKeys } = await startCurveServe("echo");
    try {
      const dir = workspace(
        `version: 1
services:
  - name: echo
    backend: noop
    replicas: 1
    endpoints:
      - url: "tcp://127.0.0.1:${port}"
        server_key: "${serverKey}"
        client_keys: ${JSON.stringify(clientKeys)}
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: 2
  - name: python
    uses: [echo]
    command: ["sh", "-c", ${JSON.stringify(`stat -c %a "$FLOTILLA_SERVICE_ECHO_ZMQ_KEYS" && /usr/bin/python3 ${PYTHON_CLIENT} tcp://127.0.0.1:${port} --service echo --count 3 --keys "$FLOTILLA_SERVICE_ECHO_ZMQ_KEYS" > /dev/null && echo CURVE-OK`)}]
`,
        20,
      );
      const session = join(dir, "session");
      const run = startCli(["run", "workload.yaml", "--json", "--cores", "4", "--session-dir", session], { cwd: dir });
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      // The task found the remote host's keys in the file its environment names, and talked CURVE with them.
      expect(readFileSync(join(session, "logs", "python.out"), "utf8")).toBe("600\nCURVE-OK\n");
      const ready = ofType(parseNdjson(result.stdout), "service:state").filter((e) => e.state === "ready");
      expect(ready.map((e) => [e.instance, e.remote === true]).sort()).toEqual([
        [0, false],
        [1, true],
      ]);
      const responses = readLines<ResponseLine>(join(session, "tasks", "prompts", "responses.jsonl"));
      expect(responses.every((r) => r.status === "ok")).toBe(true);
      expect([0, 1].map((i) => responses.filter((r) => r.instance === i).length)).toEqual([10, 10]);
    } finally {
      await serve.kill();
    }
  });

  it("on SIGINT, still writes a line for every request and exits 130", async () => {
    const dir = workspace(
      `version: 1
services:
  - name: echo
    backend: noop
    delay: { mean_ms: 50 }
tasks:
  - name: prompts
    service: echo
    requests: prompts.jsonl
    concurrency: 2
`,
      400,
    );
    const session = join(dir, "session");
    const run = startCli(["run", "workload.yaml", "--json", "--cores", "4", "--session-dir", session], { cwd: dir });
    await run.waitForOutput(/"task":"prompts","id":"prompts","state":"running"/, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    const responses = readLines<ResponseLine & { error_kind?: string }>(
      join(session, "tasks", "prompts", "responses.jsonl"),
    );
    expect(responses.map((r) => r.index)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    const ok = responses.filter((r) => r.status === "ok").length;
    expect(ok).toBeGreaterThan(0);
    expect(responses.filter((r) => r.status === "error").every((r) => r.error_kind === "canceled")).toBe(true);
    const events = parseNdjson(result.stdout);
    expect(ofType(events, "task:state").at(-1)).toMatchObject({ id: "prompts", state: "canceled" });
    expect(ofType(events, "metrics").at(-1)?.services[0]?.completed).toBe(ok);
  });

  it("fails the run (exit 3) naming an unreachable remote endpoint", async () => {
    const port = await freePort();
    const dir = workspace(
      `version: 1
services:
  - name: far
    backend: openai
    endpoints: ["http://127.0.0.1:${port}/v1"]
tasks:
  - name: prompts
    service: far
    requests: prompts.jsonl
`,
      2,
    );
    const result = await startCli(["run", "workload.yaml", "--json", "--session-dir", join(dir, "session")], {
      cwd: dir,
    }).done;
    expect(result.code).toBe(3);
    const end = ofType(parseNdjson(result.stdout), "session:end")[0];
    expect(end?.reason).toContain(`remote endpoint http://127.0.0.1:${port}/v1 of service far is unreachable`);
    const failed = ofType(parseNdjson(result.stdout), "service:state").find((e) => e.state === "failed");
    expect(failed).toMatchObject({ service: "far", instance: 0, remote: true, node: "remote" });
  });
});
