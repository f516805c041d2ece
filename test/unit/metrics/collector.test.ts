import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MetricsEvent } from "../../../engine/events.js";
import { RequestMetrics } from "../../../engine/metrics/collector.js";
import { ComponentHistograms } from "../../../engine/metrics/histogram.js";
import { RequestProfile } from "../../../engine/metrics/profile.js";
import { startMetricsTicker } from "../../../engine/metrics/ticker.js";

const timing = (ms: number) => ({
  communication_ms: ms / 10,
  service_ms: ms / 10,
  inference_ms: ms * 0.8,
  total_ms: ms,
});

describe("ComponentHistograms", () => {
  it("reports percentiles in milliseconds with sub-millisecond precision", () => {
    const histograms = new ComponentHistograms();
    for (let i = 1; i <= 1_000; i++) histograms.record(timing(i / 100)); // 0.01 … 10 ms
    const summary = histograms.summary();
    expect(summary.total.count).toBe(1_000);
    expect(summary.total.p50).toBeCloseTo(5, 1);
    expect(summary.total.p99).toBeCloseTo(9.9, 1);
    expect(summary.total.max).toBeCloseTo(10, 1);
    expect(summary.total.mean).toBeCloseTo(5.005, 1);
    expect(summary.inference.p50).toBeCloseTo(4, 1);
    expect(summary.communication.p50).toBeCloseTo(0.5, 2);
    histograms.destroy();
  });

  it("summarises an empty histogram as zeros", () => {
    expect(new ComponentHistograms().summary().total).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe("RequestMetrics", () => {
  it("counts per service and per instance and sums in-flight and queue depth", () => {
    let now = 0;
    const metrics = new RequestMetrics(() => now);
    metrics.addInstance("llm", 0, "tcp://127.0.0.1:1");
    metrics.addInstance("llm", 1, "tcp://127.0.0.1:2");
    metrics.started("llm", 0);
    metrics.started("llm", 1);
    metrics.started("llm", 1);
    metrics.succeeded("llm", 0, timing(4));
    metrics.attemptFailed("llm", 1);
    metrics.retried("llm");
    metrics.started("llm", 0);
    metrics.succeeded("llm", 0, timing(6));
    metrics.rejected("llm");
    metrics.setQueueDepth("llm", 1, 3);
    metrics.setWaiting("llm", 2);
    now = 2_000;
    const event = metrics.snapshot(false);
    expect(event.type).toBe("metrics");
    expect(event.final).toBe(false);
    const [llm] = event.services;
    expect(llm).toMatchObject({ service: "llm", completed: 2, errors: 1, retries: 1, rejected: 1, rate: 1 });
    expect(llm?.inflight).toBe(1);
    expect(llm?.queue_depth).toBe(5);
    expect(llm?.latency.total.count).toBe(2);
    expect(llm?.instances.map((i) => [i.instance, i.endpoint, i.completed, i.errors, i.inflight])).toEqual([
      [0, "tcp://127.0.0.1:1", 2, 0, 0],
      [1, "tcp://127.0.0.1:2", 0, 1, 1],
    ]);
    // The rate covers only the interval since the previous snapshot.
    now = 3_000;
    expect(metrics.snapshot(true).services[0]?.rate).toBe(0);
  });
});

describe("startMetricsTicker", () => {
  it("emits while requests flow, stays quiet otherwise, and ends with a final event", async () => {
    const metrics = new RequestMetrics();
    const events: MetricsEvent[] = [];
    const ticker = startMetricsTicker(metrics, (event) => events.push(event), 20);
    metrics.addInstance("echo", 0, "tcp://127.0.0.1:1");
    metrics.started("echo", 0);
    metrics.succeeded("echo", 0, timing(1));
    await new Promise((resolve) => setTimeout(resolve, 90));
    const whileQuiet = events.length;
    expect(whileQuiet).toBe(1);
    ticker.stop();
    ticker.stop();
    expect(events.length).toBe(2);
    expect(events.at(-1)?.final).toBe(true);
    expect(events.at(-1)?.services[0]?.completed).toBe(1);
  });
});

describe("RequestProfile", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes one JSON line per request, per service", async () => {
    dir = mkdtempSync(join(tmpdir(), "flotilla-profile-"));
    const profile = new RequestProfile(join(dir, "profile"));
    for (let index = 0; index < 3; index++) {
      profile.write({ service: "echo", source: "prompts", index, status: "ok", attempts: 1, ts: 1, ...timing(2) });
    }
    profile.write({ service: "llm", source: "http", index: 0, status: "error", attempts: 3, ts: 1, error: "timeout" });
    await profile.close();
    const echo = readFileSync(join(dir, "profile", "echo.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(echo.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(echo[0]).toMatchObject({ status: "ok", total_ms: 2, inference_ms: 1.6 });
    const llm = JSON.parse(readFileSync(join(dir, "profile", "llm.jsonl"), "utf8"));
    expect(llm).toMatchObject({ status: "error", error: "timeout", attempts: 3 });
  });
});
