import { ProcessRegistry } from "../../../engine/launch/registry.js";
import { LocalPlatform } from "../../../engine/platform/local/local-platform.js";
import { describePlatformConformance } from "../../helpers/platform-conformance.js";

describePlatformConformance("local", () => ({
  platform: new LocalPlatform({ env: { PATH: process.env.PATH }, registry: new ProcessRegistry(), graceMs: 1_000 }),
  request: (sessionDir) => ({ nodes: 1, gpus: 2, extraArgs: [], jobName: "flotilla-conformance", sessionDir }),
  localProcesses: true,
}));
