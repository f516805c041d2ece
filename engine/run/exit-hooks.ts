/**
 * The engine's last resort should its process exit mid-run (an uncaught
 * error, process.exit): every process group it started gets SIGKILL,
 * events.jsonl gets what is still buffered, and a Slurm job it holds is
 * canceled so that it does not keep nodes. Returns the function that
 * removes them again once the run has ended in order.
 */
import { installExitGuard } from "../launch/registry.js";
import { cancelLiveJobsSync } from "../platform/slurm/live-jobs.js";
import { flushOpenSinksSync } from "../session/events-sink.js";

export function installExitHooks(host: NodeJS.Process = process): () => void {
  const removeGuard = installExitGuard(host);
  host.on("exit", flushOpenSinksSync);
  host.on("exit", cancelLiveJobsSync);
  return () => {
    removeGuard();
    host.off("exit", flushOpenSinksSync);
    host.off("exit", cancelLiveJobsSync);
  };
}
