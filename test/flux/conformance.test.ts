import { ProcessRegistry } from "../../engine/launch/registry.js";
import { FluxPlatform } from "../../engine/platform/flux/index.js";
import { describeConformance } from "../conformance/suite.js";
import { describeFlux, fluxEnv, NODE_NAME } from "./instance.js";

// The same suite as local and Slurm, across the test instance's 4 brokers
// (2 cores each, no GPUs: the 2 GPUs per node are planned ids). Processes run
// under Flux's job shells, not as our children: orphan checks go by a marker
// in their environment instead of process groups.
describeFlux("flux", () => {
  describeConformance("flux", () => ({
    platform: new FluxPlatform({ env: fluxEnv(), registry: new ProcessRegistry(), graceMs: 1_000 }),
    request: (sessionDir) => ({
      nodes: 4,
      cores: 2,
      gpus: 2,
      extraArgs: [],
      jobName: "flotilla-conformance",
      sessionDir,
    }),
    localProcesses: false,
    nodeName: NODE_NAME,
  }));
});
