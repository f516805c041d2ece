import { ProcessRegistry } from "../../engine/launch/registry.js";
import { SlurmPlatform } from "../../engine/platform/slurm/index.js";
import { describeConformance } from "../conformance/suite.js";
import { describeSlurm, slurmEnv } from "./cluster.js";

// The same suite as the local platform, across the test cluster's 4 nodes.
// Processes run under slurmstepd, not as our children: orphan checks go by
// a marker in their environment instead of process groups.
// Wrapped like every Slurm test: skipped (with the reason printed) where no cluster runs, a failure under CI.
describeSlurm("slurm", () => {
  describeConformance("slurm", () => ({
    platform: new SlurmPlatform({ env: slurmEnv(), registry: new ProcessRegistry(), graceMs: 1_000, pollMs: 200 }),
    request: (sessionDir) => ({
      nodes: 4,
      cores: 2,
      gpus: 2,
      walltimeMs: 300_000,
      extraArgs: [],
      jobName: "flotilla-conformance",
      sessionDir,
    }),
    localProcesses: false,
    nodeName: "$SLURMD_NODENAME",
  }));
});
