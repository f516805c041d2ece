/**
 * What one message round trip costs each runtime's ZeroMQ binding, with no
 * Flotilla code at all: a bare zeromq.js DEALER → ROUTER echo against the
 * baseline's pyzmq REQ → REP, one request in flight, both over tcp on
 * loopback. It bounds what any Node client and host can do per message.
 */
import { Dealer } from "zeromq";
import { ComponentHistograms } from "../../engine/metrics/histogram.js";
import { baselineLoad } from "./baseline.js";
import { cpuWindow } from "./cpu.js";
import type { LoadResult } from "./flotilla-load.js";
import type { Served } from "./processes.js";

export async function nodeFloor(echo: Served, total: number): Promise<LoadResult> {
  const socket = new Dealer({ sendHighWaterMark: 0, receiveHighWaterMark: 0 });
  socket.connect(echo.endpoint);
  const payload = Buffer.from(JSON.stringify({ prompt: "hello" }));
  const roundTrip = async () => {
    await socket.send(payload);
    await socket.receive();
  };
  for (let i = 0; i < 100; i++) await roundTrip();
  const histograms = new ComponentHistograms();
  const cpu = cpuWindow([process.pid], [echo.pid]);
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const t = performance.now();
    await roundTrip();
    const ms = performance.now() - t;
    histograms.record({ communication_ms: ms, service_ms: 0, inference_ms: 0, total_ms: ms });
  }
  const seconds = (performance.now() - start) / 1_000;
  const used = cpu(total);
  socket.close();
  return { requests: total, errors: 0, seconds, throughput: total / seconds, latency: histograms.summary(), cpu: used };
}

/**
 * The same bare echo at the 16×16 shape: one process per instance, one
 * client per instance, one message per request, all in flight at once. No
 * design that wakes an instance's process once per request can beat it on
 * this machine.
 */
export async function nodeFloorWide(echoes: Served[], perClient: number): Promise<LoadResult> {
  const sockets = echoes.map(({ endpoint }) => {
    const socket = new Dealer({ sendHighWaterMark: 0, receiveHighWaterMark: 0 });
    socket.connect(endpoint);
    return socket;
  });
  const payload = Buffer.from(JSON.stringify({ prompt: "hello" }));
  for (const socket of sockets) {
    await socket.send(payload);
    await socket.receive();
  }
  const histograms = new ComponentHistograms();
  const cpu = cpuWindow(
    [process.pid],
    echoes.map((e) => e.pid),
  );
  const start = performance.now();
  await Promise.all(
    sockets.map(async (socket) => {
      for (let i = 0; i < perClient; i++) {
        const t = performance.now();
        await socket.send(payload);
        await socket.receive();
        const ms = performance.now() - t;
        histograms.record({ communication_ms: ms, service_ms: 0, inference_ms: 0, total_ms: ms });
      }
    }),
  );
  const seconds = (performance.now() - start) / 1_000;
  const total = perClient * sockets.length;
  const used = cpu(total);
  for (const socket of sockets) socket.close();
  return { requests: total, errors: 0, seconds, throughput: total / seconds, latency: histograms.summary(), cpu: used };
}

export function pythonFloor(servers: Served[], total: number): Promise<LoadResult> {
  return baselineLoad(servers.slice(0, 1), 1, total);
}

/**
 * The bare echo at the narrow shape with Flotilla's batching: `inFlight`
 * requests to one echo process, `batch` of them per message (a frame each),
 * the next message of a group sent as soon as its echo is back. No protocol
 * work at all, so it bounds any design that batches like Flotilla does.
 */
export async function nodeFloorBatched(
  echo: Served,
  inFlight: number,
  batch: number,
  total: number,
): Promise<LoadResult> {
  const socket = new Dealer({ sendHighWaterMark: 0, receiveHighWaterMark: 0 });
  socket.connect(echo.endpoint);
  const payload = Buffer.from(JSON.stringify({ prompt: "hello" }));
  const requests = Array.from({ length: batch }, () => payload);
  const groups = Math.max(1, Math.ceil(inFlight / batch));
  const sentAt: number[] = [];
  // The first frame names the group, so one receive loop serves them all.
  const send = (group: number) => {
    sentAt[group] = performance.now();
    return socket.send([Buffer.from([group]), ...requests]);
  };
  const pass = async (count: number, histograms?: ComponentHistograms) => {
    let sent = 0;
    let done = 0;
    for (let group = 0; group < groups && sent < count; group++, sent += batch) await send(group);
    for await (const [head] of socket) {
      const group = head![0]!;
      const ms = performance.now() - sentAt[group]!;
      for (let i = 0; i < batch; i++) {
        histograms?.record({ communication_ms: ms, service_ms: 0, inference_ms: 0, total_ms: ms });
      }
      done += batch;
      if (sent < count) {
        sent += batch;
        await send(group);
      } else if (done >= sent) break;
    }
    return done;
  };
  // Unmeasured first: the loop runs cold for its first few thousand messages.
  await pass(Math.min(total, 4_096));
  const histograms = new ComponentHistograms();
  const cpu = cpuWindow([process.pid], [echo.pid]);
  const start = performance.now();
  const done = await pass(total, histograms);
  const seconds = (performance.now() - start) / 1_000;
  const used = cpu(done);
  socket.close();
  return { requests: done, errors: 0, seconds, throughput: done / seconds, latency: histograms.summary(), cpu: used };
}
