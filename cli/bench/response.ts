/**
 * Experiment 2, response time of a NOOP model: the clients × instances grid
 * (grid.ts), local and remote, with the prototype-style baseline run
 * alternately in every configuration where Python with pyzmq is available.
 */
import { type BaselineServers, baselineLoad, baselineUnavailable, startBaselineServers } from "./baseline/baseline.js";
import { runBench, serviceUnderTest } from "./common.js";
import { type GridFlags, gridPlan } from "./grid.js";
import { runGrid } from "./grid-run.js";

export interface ResponseFlags extends GridFlags {
  baseline: boolean;
  python: string;
}

export async function benchResponse(flags: ResponseFlags): Promise<number> {
  const plan = gridPlan(flags, "1,4,16");
  const { service, allocation } = await serviceUnderTest(flags, { name: "noop", backend: "noop" });
  const unavailable = flags.baseline ? baselineUnavailable(flags.python) : "skipped (--no-baseline)";
  let servers: BaselineServers | undefined;
  return runBench({
    experiment: "response",
    flags,
    options: { ...plan, service, baseline: unavailable === undefined ? flags.python : false },
    ...runGrid({
      plan,
      flags,
      service,
      allocation,
      request: { prompt: "hello" },
      note: unavailable === undefined ? undefined : `baseline not run: ${unavailable}; Flotilla alone`,
      baseline:
        unavailable === undefined
          ? {
              async prepare(mode, signal) {
                await servers?.stop();
                servers = undefined;
                if (signal.aborted) return;
                const link = mode === "remote" ? { delayMs: plan.delayMs, jitterMs: plan.jitterMs } : undefined;
                servers = await startBaselineServers(flags.python, Math.max(...plan.instances), link);
              },
              measure: (cell, signal) =>
                baselineLoad(
                  flags.python,
                  servers!.endpoints.slice(0, cell.instances),
                  cell.clients,
                  cell.perClient,
                  signal,
                ),
              async stop() {
                await servers?.stop();
                servers = undefined;
              },
            }
          : undefined,
    }),
  });
}
