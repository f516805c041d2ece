export { type CoreSource, detectCores, type GpuSource, gpusFromVisibleDevices, parseCpuList } from "./detect.js";
export { LocalPlatform, type LocalPlatformOptions, type LocalResources } from "./local-platform.js";
