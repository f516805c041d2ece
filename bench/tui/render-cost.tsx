/** @jsxRuntime automatic */
/**
 * What one dashboard redraw costs: the live session of the component tests,
 * one event at a time, 300 redraws into a 100×30 in-memory terminal. Prints
 * Ink's output time per frame and the process CPU per update (React + Ink).
 * Run with NODE_ENV=production to measure what the binary runs.
 *
 *   NODE_ENV=production npx tsx bench/tui/render-cost.tsx
 */
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { render } from "ink";
import { Dashboard } from "../../tui/components/Dashboard.js";
import { EventFold } from "../../tui/store.js";
import { liveSession } from "../harness/tui-sessions.js";

const UPDATES = 300;
const stream = new PassThrough();
stream.resume();
const stdout = Object.assign(stream, { columns: 100, rows: 30, isTTY: true }) as unknown as NodeJS.WriteStream;
const fold = new EventFold();
const events = liveSession().events;
for (const event of events) fold.push(event);
let frames = 0;
let outputMs = 0;
const app = render(<Dashboard source={fold} mode="run" interactive={false} />, {
  stdout,
  patchConsole: false,
  maxFps: 1_000,
  onRender: ({ renderTime }) => {
    frames += 1;
    outputMs += renderTime;
  },
});
await sleep(100);
frames = 0;
outputMs = 0;
const last = events.at(-1)!;
const cpu = process.cpuUsage();
for (let i = 0; i < UPDATES; i += 1) {
  fold.push({ ...last, seq: last.seq + i + 1, ts: last.ts + i * 10 });
  await sleep(5);
}
const used = process.cpuUsage(cpu);
app.unmount();
const cpuMs = (used.user + used.system) / 1_000;
console.log(
  JSON.stringify({
    NODE_ENV: process.env.NODE_ENV ?? null,
    frames,
    ink_output_ms_per_frame: +(outputMs / frames).toFixed(2),
    cpu_ms_per_update: +(cpuMs / UPDATES).toFixed(2),
  }),
);
