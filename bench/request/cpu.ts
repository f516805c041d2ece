/**
 * CPU time of the benchmark's processes over a timed window, every thread
 * together, from /proc. The first field of /proc/<pid>/task/<tid>/schedstat
 * is nanoseconds on a CPU; /proc/<pid>/stat counts clock ticks (10 ms), too
 * coarse for tens of µs per request over a window of a second or less.
 * Summing the tasks misses a thread that exits inside the window, so every
 * process measured must keep its threads until the window is read.
 */
import { readdirSync, readFileSync } from "node:fs";

/** µs of CPU per request in a window, one side's processes split by role. */
export interface CpuPerRequest {
  /** The client processes (for Flotilla and the echo, this benchmark process). */
  client: number;
  /** The host / server processes. */
  server: number;
  /** Of client + server, what ZeroMQ's background threads (I/O, reaper) spent. */
  zmq: number;
}

interface Reading {
  ns: number;
  zmqNs: number;
}

function read(pid: number): Reading {
  const reading = { ns: 0, zmqNs: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let ns: number;
    let name: string;
    try {
      ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8");
    } catch {
      continue; // gone since the listing; see above
    }
    reading.ns += ns;
    // libzmq names its threads ZMQbg/IO/0, ZMQbg/Reaper, in Node and Python alike.
    if (name.startsWith("ZMQbg")) reading.zmqNs += ns;
  }
  return reading;
}

function sum(pids: number[]): Reading {
  const total = { ns: 0, zmqNs: 0 };
  for (const pid of pids) {
    const r = read(pid);
    total.ns += r.ns;
    total.zmqNs += r.zmqNs;
  }
  return total;
}

/** Opens a window now; the function it returns closes it and divides by the requests completed. */
export function cpuWindow(clients: number[], servers: number[]): (requests: number) => CpuPerRequest {
  // This process may be a client: read it last on opening and first on closing, so the
  // reading itself stays (mostly) out of the window.
  const server0 = sum(servers);
  const client0 = sum(clients);
  return (requests) => {
    const client1 = sum(clients);
    const server1 = sum(servers);
    const us = (ns: number) => ns / 1_000 / requests;
    return {
      client: us(client1.ns - client0.ns),
      server: us(server1.ns - server0.ns),
      zmq: us(client1.zmqNs - client0.zmqNs + server1.zmqNs - server0.zmqNs),
    };
  };
}

export const cpuTotal = (cpu: CpuPerRequest) => cpu.client + cpu.server;
