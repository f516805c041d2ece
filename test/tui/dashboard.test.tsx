import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { finishedSession, liveSession, serviceMetrics } from "../../bench/harness/tui-sessions.js";
import { replay } from "../../engine/state.js";
import { glyphWidth } from "../../tui/components/Services.js";
import { frameWhere, KEY, lines, press, renderDashboard } from "./harness.js";

afterEach(() => cleanup());

describe("dashboard at 80×24", () => {
  it("shows services with one glyph per instance, GPU ids and the metrics numbers", () => {
    const frame = renderDashboard(liveSession().events).lastFrame() ?? "";
    const llm = lines(frame).find((line) => line.includes("llm ") && line.includes("2/2"));
    expect(llm).toBeDefined();
    expect(llm).toMatch(/▸ llm\s+2\/2\s+●●\s+0-1\s+3\s+6\s+152\s+20\.1ms\s+36\.2ms/);
    expect(frame).toMatch(/embed\s+1\/1\s+●\s+2\s+3\s+6\s+310\s+5\.4ms\s+9\.7ms/);
    expect(frame).toContain("Services 3/3 ready");
  });

  it("fits 80 columns and stays shorter than the terminal", () => {
    const frame = renderDashboard(liveSession().events).lastFrame() ?? "";
    for (const line of lines(frame)) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines(frame).length).toBeLessThan(24);
  });

  it("draws the header: session, platform, allocation, usage bars, elapsed and walltime left", () => {
    const frame = renderDashboard(liveSession().events).lastFrame() ?? "";
    const [first, second] = lines(frame);
    expect(first).toContain("demo local active");
    expect(first).toContain("elapsed 5.0s");
    expect(first).toContain("left 29m55s");
    expect(first).toContain("20260115-093000-ab12");
    // Services hold cores 0-4 and GPUs 0-2; two running tasks hold cores 5 and 7.
    expect(second).toMatch(/1 node × 8 cores × 4 GPUs {2}cores (█+)(░*) 7\/8 {2}GPUs (█+)(░*) 3\/4/);
    const [, coreFill, coreEmpty] = second?.match(/cores (█+)(░*)/) ?? [];
    expect(coreFill?.length).toBe(Math.round((7 / 8) * ((coreFill?.length ?? 0) + (coreEmpty?.length ?? 0))));
  });

  it("shows a pending allocation with its queue wait", () => {
    const log = liveSession();
    const events = log.events.slice(0, 2);
    const frame = renderDashboard(events, { now: events[1]!.ts + 12_000 }).lastFrame() ?? "";
    expect(frame).toContain("pending 12.0s in queue");
    expect(frame).toContain("no allocation yet");
  });

  it("shows a batch job waiting in the queue: job id, wait, position and reason; then its wait once active", () => {
    const log = liveSession();
    const events = log.events.slice(0, 1);
    const slurm = { platform: "slurm", job_id: "81234" } as const;
    log
      .at(10)
      .emit({ type: "allocation:state", state: "pending", nodes: [], reason: "Priority", queue_position: 3, ...slurm });
    const pending = [...events, log.events.at(-1)!];
    const frame = renderDashboard(pending, { now: pending[1]!.ts + 125_000 }).lastFrame() ?? "";
    expect(frame).toContain("slurm job 81234 pending 2m05s in queue #3 (Priority)");
    log.at(130_000).emit({
      type: "allocation:state",
      state: "active",
      nodes: [{ name: "gpu017", cores: 64, gpus: 8 }],
      wait_ms: 129_990,
      ...slurm,
    });
    const active = renderDashboard([...pending, log.events.at(-1)!]).lastFrame() ?? "";
    expect(active).toContain("slurm job 81234 active (waited 2m09s)");
    expect(active).toMatch(/1 node × 64 cores × 8 GPUs {2}cores ░+ 0\/64 {2}GPUs ░+ 0\/8/);
  });

  it("shows task counts, running tasks with node and elapsed, and what pending tasks wait for", () => {
    const frame = renderDashboard(liveSession().events).lastFrame() ?? "";
    expect(frame).toContain("· pending 2 ▶ running 2 ✔ done 1 ✖ failed 1");
    expect(frame).toMatch(/▶ prompt\.2\s+node0\s+cores 7\s+gpus –\s+3\.4s/);
    expect(frame).toMatch(/· prompt\.4\s+waits for resources/);
  });

  it("tails notable events", () => {
    const frame = renderDashboard(liveSession().events).lastFrame() ?? "";
    expect(frame).toMatch(/09:30:03 ✖ task prompt\.1 failed: exit code 1/);
    expect(frame).toContain("! llm.1 slow to answer: 3 retries");
  });

  it("draws stacked latency bars on one scale, and bootstrap bars", () => {
    const frame = renderDashboard(liveSession().events).lastFrame() ?? "";
    const llm = lines(frame).find((line) => line.startsWith("  llm ") && line.includes("│"));
    const embed = lines(frame).find((line) => line.startsWith("  embed") && line.includes("│"));
    const bar = (line: string | undefined) => (line?.split("│")[0] ?? "").replace(/[^█▓░]/g, "");
    // llm's request takes 20.1ms, embed's 5.4ms: embed's bar is about a quarter as long.
    expect(bar(llm).length).toBeGreaterThan(3 * bar(embed).length - 2);
    expect(bar(llm)).toMatch(/^█+▓+░+$/);
    expect(llm).toContain("20.1ms");
    // Bootstrap: launch 20 + init 840 + publish 5 (median of 865 and 1448).
    expect(llm?.split("│")[1]).toMatch(/█+▓+░+ +1\.2s/);
  });

  it("prints – for numbers the metrics do not have, never zeros", () => {
    const events = liveSession().events.filter((event) => event.type !== "metrics");
    const frame = renderDashboard(events).lastFrame() ?? "";
    expect(frame).toMatch(/llm\s+2\/2\s+●●\s+0-1\s+–\s+–\s+–\s+–\s+–/);
    expect(frame).toContain("no requests yet");
  });

  it("shows every instance state with its own glyph", () => {
    const log = liveSession();
    const base = { service: "llm", node: "node0", cores: [], gpus: [] };
    log.emit({ type: "service:state", ...base, instance: 2, state: "pending" });
    log.emit({ type: "service:state", ...base, instance: 3, state: "launching" });
    log.emit({ type: "service:state", ...base, instance: 4, state: "initializing" });
    log.emit({
      type: "service:state",
      ...base,
      instance: 5,
      state: "failed",
      error: "exited with code 1",
      stderr_tail: ["boom"],
    });
    log.emit({ type: "service:state", ...base, instance: 6, state: "stopped" });
    const frame = renderDashboard(log.events).lastFrame() ?? "";
    expect(frame).toMatch(/llm\s+2\/7\s+●●·◔◑✖○/);
    expect(frame).toContain("llm.5 failed: exited with code 1");
  });

  it("folds the finished session: stopped instances, released allocation, exit status", () => {
    const frame = renderDashboard(finishedSession().events, { mode: "show" }).lastFrame() ?? "";
    expect(frame).toContain("released");
    expect(frame).toContain("ended: exit 1, a task failed");
    expect(frame).toMatch(/llm\s+0\/2\s+○○/);
    expect(frame).toContain("✔ done 5 ✖ failed 1");
  });

  it("keeps to the terminal with many services, saying how many it hides", () => {
    const log = liveSession();
    for (let i = 0; i < 12; i += 1)
      log.emit({
        type: "service:state",
        service: `svc${i}`,
        instance: 0,
        state: "ready",
        node: "node0",
        cores: [],
        gpus: [],
      });
    const frame = renderDashboard(log.events).lastFrame() ?? "";
    expect(lines(frame).length).toBeLessThan(24);
    expect(frame).toMatch(/Services 15\/15 ready \(\+\d+ more\)/);
  });

  it("widens the instance column on wide terminals", () => {
    expect(glyphWidth(80)).toBe(10);
    expect(glyphWidth(120)).toBe(32);
    const log = liveSession();
    for (let i = 2; i < 30; i += 1)
      log.emit({
        type: "service:state",
        service: "llm",
        instance: i,
        state: "ready",
        node: "node0",
        cores: [],
        gpus: [],
      });
    expect(renderDashboard(log.events).lastFrame()).toMatch(/llm\s+30\/30\s+●{7}\+23/);
    const wide = renderDashboard(log.events, { size: { columns: 120, rows: 40 } }).lastFrame() ?? "";
    expect(wide).toMatch(/llm\s+30\/30\s+●{30}/);
  });
});

describe("keys", () => {
  it("p toggles the latency bars between median and p95", async () => {
    const app = renderDashboard(liveSession().events);
    expect(app.lastFrame()).toContain("Latency median");
    await press(app, "p");
    const frame = await frameWhere(app, (f) => f.includes("Latency p95"));
    expect(frame).toContain("Latency p95");
    // llm p95: 3 × 0.4 + 2 × 1.2 + 1.5 × 18.5 = 31.35ms per component sum; total p95 36.2ms.
    expect(lines(frame).find((line) => line.startsWith("  llm ") && line.includes("│"))).toContain("36.2ms");
    await press(app, "p");
    expect(await frameWhere(app, (f) => f.includes("Latency median"))).toContain("Latency median");
  });

  it("? opens and closes the help overlay", async () => {
    const app = renderDashboard(liveSession().events);
    await press(app, "?");
    const help = await frameWhere(app, (f) => f.includes("Keys"));
    expect(help).toContain("switch latency bars between median and p95");
    expect(help).toContain("● ready");
    expect(help).toContain("◑ initializing");
    expect(help).not.toContain("NAME");
    await press(app, "?");
    expect(await frameWhere(app, (f) => f.includes("NAME"))).not.toContain("Instance states");
  });

  it("arrows and tab move the selection; enter opens the detail with instances and stderr", async () => {
    const log = liveSession();
    log.emit({
      type: "service:state",
      service: "embed",
      instance: 0,
      state: "failed",
      node: "node0",
      cores: [4],
      gpus: [2],
      restarts: 2,
      error: "exited with code 137",
      stderr_tail: ["loading model", "CUDA out of memory"],
    });
    const app = renderDashboard(log.events);
    expect(app.lastFrame()).toContain("▸ llm");
    await press(app, KEY.down);
    expect(await frameWhere(app, (f) => f.includes("▸ embed"))).toContain("▸ embed");
    await press(app, KEY.tab);
    expect(await frameWhere(app, (f) => f.includes("▸ llm"))).toContain("▸ llm");
    await press(app, KEY.up, KEY.enter);
    const detail = await frameWhere(app, (f) => f.includes("Service embed"));
    expect(detail).toMatch(/▸ 0\s+✖ failed\s+node0\s+2\s+http:\/\/127\.0\.0\.1:41003\s+2/);
    expect(detail).toContain("stderr of embed.0 — exited with code 137");
    expect(detail).toContain("CUDA out of memory");
    await press(app, KEY.escape);
    expect(await frameWhere(app, (f) => f.includes("NAME"))).toContain("▸ embed");
  });

  it("the detail shows a streaming service's time to first token", async () => {
    const log = liveSession();
    const llm = serviceMetrics("llm", 152.4, [0.4, 1.2, 18.5]);
    llm.latency.first_piece = { count: 40, mean: 5, p50: 4.2, p95: 9, p99: 12, max: 15 };
    log.emit({ type: "metrics", final: false, services: [llm, serviceMetrics("embed", 310, [0.3, 0.9, 4.2])] });
    const app = renderDashboard(log.events);
    await press(app, KEY.enter);
    expect(await frameWhere(app, (f) => f.includes("Service llm"))).toContain("first token p50 4.2ms p95 9.0ms");
    await press(app, KEY.escape, KEY.down, KEY.enter);
    expect(await frameWhere(app, (f) => f.includes("Service embed"))).not.toContain("first token");
  });

  it("arrows select an instance inside the detail", async () => {
    const app = renderDashboard(liveSession().events);
    await press(app, KEY.enter);
    expect(await frameWhere(app, (f) => f.includes("Service llm"))).toMatch(/▸ 0\s+● ready/);
    await press(app, KEY.down);
    const frame = await frameWhere(app, (f) => /▸ 1\s+● ready/.test(f));
    expect(frame).toMatch(/▸ 1\s+● ready\s+node0\s+1\s+http:\/\/127\.0\.0\.1:41002/);
    expect(frame).toContain("stderr of llm.1: (empty)");
  });

  it("the detail tails the selected instance's stderr from the session's logs, live", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flotilla-detail-"));
    try {
      mkdirSync(join(dir, "logs"));
      writeFileSync(join(dir, "logs", "llm.1.err"), "loading weights\nlistening on :41002\n");
      const log = liveSession();
      const start = log.events[0];
      if (start?.type === "session:start") start.session_dir = dir;
      const app = renderDashboard(log.events);
      await press(app, KEY.enter, KEY.down);
      expect(await frameWhere(app, (f) => f.includes("listening on :41002"))).toContain("loading weights");
      writeFileSync(join(dir, "logs", "llm.1.err"), "loading weights\nlistening on :41002\nGET /v1/models 200\n");
      expect(await frameWhere(app, (f) => f.includes("GET /v1/models 200"), 3_000)).toContain("GET /v1/models 200");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("q asks before quitting a running session; n keeps it, y calls onQuit once", async () => {
    let quits = 0;
    const app = renderDashboard(liveSession().events, { onQuit: () => quits++ });
    await press(app, "q");
    expect(await frameWhere(app, (f) => f.includes("(y/n)"))).toContain("Quit and tear everything down? (y/n)");
    await press(app, "n");
    expect(await frameWhere(app, (f) => !f.includes("(y/n)"))).toContain("q quit");
    expect(quits).toBe(0);
    await press(app, KEY.ctrlC, "y");
    expect(await frameWhere(app, (f) => f.includes("Tearing down"))).toContain("Tearing down");
    expect(quits).toBe(1);
    await press(app, "q", "y");
    expect(quits).toBe(1);
  });

  it("watch mode quits at once: it is read-only", async () => {
    let quits = 0;
    const app = renderDashboard(liveSession().events, { mode: "watch", onQuit: () => quits++ });
    expect(app.lastFrame()).toContain("read-only");
    expect(app.lastFrame()).toContain("flotilla watch demo");
    await press(app, "q");
    expect(quits).toBe(1);
  });
});

describe("state the dashboard reads", () => {
  it("uses the latest metrics event", () => {
    const log = liveSession();
    log.emit({ type: "metrics", final: true, services: [serviceMetrics("llm", 99.5, [1, 2, 3])] });
    const state = replay(log.events);
    const frame = renderDashboard(state).lastFrame() ?? "";
    expect(frame).toMatch(/llm\s+2\/2\s+●●\s+0-1\s+3\s+6\s+99\.5\s+6\.0ms/);
    expect(frame).toMatch(/embed\s+1\/1\s+●\s+2\s+–/);
  });
});
