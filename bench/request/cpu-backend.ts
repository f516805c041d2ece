/**
 * An emulated backend whose concurrency has a real cost: each request burns
 * `ms` of CPU on the host's thread, as a model computing on the CPU would.
 * Unlike the NOOP delay (a timer: eight at once cost no more than one), the
 * host cannot overlap these, so `max_inflight` buys nothing a core does not.
 */
import type { Backend, BackendResult, Job } from "../../engine/request/host/backend.js";
import { hostNow } from "../../engine/request/host/clock.js";

export class CpuBackend implements Backend {
  readonly name = "noop";

  constructor(private readonly ms: number) {}

  call(job: Job): BackendResult {
    const start = hostNow();
    job.ts.backend_start = start;
    // Busy, on purpose: the cost is the CPU time, not the wait.
    while (hostNow() - start < this.ms) {}
    job.ts.backend_end = hostNow();
    return { payload: job.payload };
  }

  async close(): Promise<void> {}
}
