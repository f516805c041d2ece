/**
 * Autoscaling through `flotilla run` with real service hosts (backend: noop
 * with a delay): a burst grows a service and it shrinks back when the burst
 * is over, with every request answered exactly once while instances join and
 * drain; tasks waiting for GPUs come before scale-up and start once the
 * instances that held them are drained.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aliveRange, answeredOnce, promptLines, scales } from "../helpers/autoscale.js";
import { REPO, runCli } from "../helpers/cli.js";
import { assertNoDoubleBooking, ofType, parseNdjson } from "../helpers/events.js";
import { SchemaChecker } from "../helpers/json-schema.js";
import { tempDir } from "../helpers/tmp.js";

const schema = new SchemaChecker(JSON.parse(readFileSync(join(REPO, "docs/events.schema.json"), "utf8")), true);

async function run(workload: string, files: Record<string, string>) {
  const dir = tempDir("flotilla-autoscale-");
  writeFileSync(join(dir, "w.yaml"), workload);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const session = join(dir, "session");
  const result = await runCli(["run", "w.yaml", "--json", "--session-dir", session], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  const events = parseNdjson(result.stdout);
  // Every event, service:scale included, is what docs/events.schema.json says.
  expect(events.flatMap((e) => schema.errors(e).map((why) => `${e.type}: ${why}`))).toEqual([]);
  return { events, session };
}

describe("autoscale", () => {
  it("grows from 1 to at least 3 instances under a burst and drains back to 1, answering every request once", async () => {
    const { events, session } = await run(
      `version: 1
name: burst
allocation: { platform: local, cores: 8 }
services:
  - name: llm
    backend: noop
    delay: { mean_ms: 40 }
    max_inflight: 4
    autoscale: { min: 1, max: 4, target_outstanding: 4, up_after: 500ms, down_after: 1s, drain_timeout: 20s }
tasks:
  - name: burst
    service: llm
    requests: burst.jsonl
    concurrency: 32
  # A trickle after the burst: instances drain while it still sends to them.
  - name: trickle
    service: llm
    requests: trickle.jsonl
    concurrency: 3
    after: [burst]
  - name: quiet
    command: ["sleep", "3"]
    after: [trickle]
`,
      { "burst.jsonl": promptLines(600), "trickle.jsonl": promptLines(150) },
    );
    const history = scales(events, "llm");
    const ups = history.filter((e) => e.reason === "load_high" && e.to > e.from);
    const downs = history.filter((e) => e.reason === "load_low");
    expect(ups.length).toBeGreaterThan(0);
    expect(Math.max(...history.map((e) => e.to))).toBeGreaterThanOrEqual(3);
    expect(history.at(-1)?.to).toBe(1);
    // One instance at a time on the way down, each named; the load that justified it recorded.
    for (const e of downs) {
      expect(e.to).toBe(e.from - 1);
      expect(e.instances).toHaveLength(1);
      expect(e.load.outstanding / Math.max(1, e.from - 1)).toBeLessThan(e.load.target);
    }
    for (const e of ups) expect(e.load.per_instance).toBeGreaterThan(e.load.target);
    // At least one drain happened while the trickle still had requests out.
    expect(downs.some((e) => e.load.outstanding > 0)).toBe(true);
    // Each decision starts where the previous one ended, within min and max (which it carries).
    history.forEach((e, i) => {
      expect(e).toMatchObject({ min: 1, max: 4 });
      if (i > 0) expect(e.from).toBe(history[i - 1]?.to);
      expect(e.to).toBeGreaterThanOrEqual(1);
      expect(e.to).toBeLessThanOrEqual(4);
    });
    const range = aliveRange(events, "llm");
    expect(range.most).toBeLessThanOrEqual(4);
    expect(range.fewest).toBeGreaterThanOrEqual(1);
    // Every added instance became ready; every drained one stopped (not failed).
    const states = ofType(events, "service:state").filter((e) => e.service === "llm");
    for (const index of ups.flatMap((e) => e.instances ?? [])) {
      expect(states.some((e) => e.instance === index && e.state === "ready")).toBe(true);
    }
    expect(states.filter((e) => e.state === "failed")).toEqual([]);

    const burst = answeredOnce(session, "burst", "llm", 600);
    const trickle = answeredOnce(session, "trickle", "llm", 150);
    expect([...burst.problems, ...trickle.problems]).toEqual([]);
    // The added instances did take part of the burst.
    expect([...burst.byInstance.keys()].length).toBeGreaterThanOrEqual(3);
    // Drains let requests in flight finish where they were: nothing was retried.
    const profile = readFileSync(join(session, "profile", "llm.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(profile.map((line) => JSON.parse(line).attempts).filter((a: number) => a !== 1)).toEqual([]);
    const text = readFileSync(join(session, "events.jsonl"), "utf8");
    expect(text).toContain('"type":"service:scale"');
  }, 60_000);

  it("holds scale-up back for a waiting GPU task, which starts once scaled-up instances are drained", async () => {
    const { events } = await run(
      `version: 1
name: gpu-share
allocation: { platform: local, cores: 8, gpus: 4 }
services:
  - name: llm
    backend: noop
    delay: { mean_ms: 40 }
    gpus: 1
    autoscale: { min: 1, max: 4, target_outstanding: 4, up_after: 300ms, down_after: 1s }
tasks:
  # 12 in flight: ceil(12 / 4) = 3 instances, then 4 each, no more.
  - name: steady
    service: llm
    requests: steady.jsonl
    concurrency: 12
  - name: warm
    command: ["sleep", "4"]
  # Needs 2 GPUs when only 1 is free: it waits behind the scaled-up instances.
  - name: gpujob
    command: ["sh", "-c", "echo gpus=$CUDA_VISIBLE_DEVICES"]
    gpus: 2
    after: [warm]
  # More load while it waits: the free GPU is left to it, not taken by a 4th instance.
  - name: surge
    service: llm
    requests: surge.jsonl
    concurrency: 24
    after: [warm]
`,
      { "steady.jsonl": promptLines(2000), "surge.jsonl": promptLines(200) },
    );
    assertNoDoubleBooking(events);
    const history = scales(events, "llm");
    const gpujob = ofType(events, "task:state").filter((e) => e.id === "gpujob");
    const waited = gpujob.findIndex((e) => e.state === "pending" && e.waiting_for?.resources === true);
    const running = gpujob.find((e) => e.state === "running");
    expect(waited, JSON.stringify(gpujob)).toBeGreaterThanOrEqual(0);
    expect(running?.gpus).toHaveLength(2);
    const seqOf = (e: { seq: number } | undefined) => e?.seq ?? Number.POSITIVE_INFINITY;
    const waitedAt = seqOf(gpujob[waited]);
    // While it waited, no instance was added, and the scale-up the surge called for was held back for it.
    const during = history.filter((e) => e.seq > waitedAt && e.seq < seqOf(running));
    expect(during.filter((e) => e.to > e.from)).toEqual([]);
    expect(during.some((e) => e.held_back === "pending tasks need the resources")).toBe(true);
    // It started after a scale-down freed GPUs.
    const firstDown = history.find((e) => e.reason === "load_low" && e.seq > waitedAt);
    expect(seqOf(firstDown)).toBeLessThan(seqOf(running));
    expect(Math.max(...history.map((e) => e.to))).toBeLessThanOrEqual(4);
    expect(history.at(-1)?.to).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("keeps running when an added instance fails for good, frees what it held and backs off", async () => {
    const model = join(REPO, "examples", "stdio-model.py");
    const { events, session } = await run(
      `version: 1
name: bad-start
allocation: { platform: local, cores: 6, gpus: 3 }
services:
  - name: llm
    backend: stdio
    # Only the first instance has a model; the ones autoscaling adds exit at once.
    command: ["sh", "-c", "if [ {instance} = 0 ]; then exec python3 ${model}; else echo no model >&2; exit 3; fi"]
    gpus: 1
    max_inflight: 4
    autoscale: { min: 1, max: 3, target_outstanding: 2, up_after: 300ms, down_after: 1s }
tasks:
  - name: burst
    service: llm
    requests: burst.jsonl
    concurrency: 12
`,
      { "burst.jsonl": promptLines(300) },
    );
    const history = scales(events, "llm");
    const adds = history.filter((e) => e.to > e.from);
    expect(adds.length).toBeGreaterThan(0);
    const added = new Set(adds.flatMap((e) => e.instances ?? []));
    const failed = ofType(events, "service:state").filter((e) => e.state === "failed");
    expect(new Set(failed.map((e) => e.instance))).toEqual(added);
    // Each failed instance was retired once, with a warning, and the service tried no more for a while.
    const warned = ofType(events, "log").filter((e) => e.message.includes("added by autoscaling failed"));
    expect(warned.map((e) => e.subject).sort()).toEqual(
      adds
        .flatMap((e) => e.instances ?? [])
        .map((i) => `llm.${i}`)
        .sort(),
    );
    expect(history.some((e) => e.held_back === "added instances failed")).toBe(true);
    // GPUs went back: nothing was ever held twice, and the requests were all answered by instance 0.
    assertNoDoubleBooking(events);
    const burst = answeredOnce(session, "burst", "llm", 300);
    expect(burst.problems).toEqual([]);
    expect([...burst.byInstance.keys()]).toEqual([0]);
  }, 60_000);
});
