import { ProcessRegistry } from "../../engine/launch/registry.js";
import { LocalPlatform } from "../../engine/platform/local/local-platform.js";
import { describeConformance } from "./suite.js";

// Two cores and two GPUs (ids only): real core ids, so processes are pinned with taskset.
describeConformance("local", () => ({
  platform: new LocalPlatform({ env: { PATH: process.env.PATH }, registry: new ProcessRegistry(), graceMs: 1_000 }),
  request: (sessionDir) => ({
    nodes: 1,
    cores: 2,
    gpus: 2,
    extraArgs: [],
    jobName: "flotilla-conformance",
    sessionDir,
  }),
  localProcesses: true,
  nodeName: "$FLOTILLA_NODE",
}));
